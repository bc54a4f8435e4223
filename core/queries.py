"""The admin's read side: the inbox page, its filters and search, and the dashboard.

Every query starts from :func:`core.scope.scope_filter`, so an officer's list,
export and figures can only ever hold feedback they may see. The inbox opens on
open work, paged by keyset on ``(due_at, id)`` oldest due first (the partial
indexes of open rows serve it); a filter that takes in closed rows pages on
``(created_at, id)`` newest first. Neither counts nor skips rows, so page 800
costs what page 1 costs. The dashboard reads the feedback tally (``core.tally``)
instead of the rows, so its cost does not grow with them either.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, tuple_, union
from sqlalchemy.orm import Session

from core import tally
from core.errors import InvalidPhone, InvalidReference
from core.models import Feedback, Officer, utcnow
from core.models import FeedbackTally as T
from core.overdue import overdue_clause, overdue_per_institution
from core.phones import normalise_phone
from core.references import parse_reference
from core.scope import (
    scope_branches,
    scope_clause,
    scope_filter,
    subtree_ids,
    tally_scope,
    visible_institution_ids,
)
from core.status import OPEN_VALUES, Channel, Kind, Status

PAGE = 25
MAX_WORDS = 5
Cursor = tuple[datetime, int]


@dataclass(frozen=True)
class InboxFilter:
    """What an officer narrowed the list to; unknown values are dropped, never errors."""

    status: str | None = None
    kind: str | None = None
    channel: str | None = None
    institution_id: int | None = None
    since: date | None = None
    until: date | None = None
    overdue: bool = False
    q: str = ""
    open: bool = False              # received, in progress or appealed
    under: int | None = None        # an institution and everything below it (the ranking's rows)
    escalated: bool = False         # raised for lateness to the institution above
    assignee: str | None = None  # "me", "none", or an officer's id
    every_status: bool = False  # status=all: closed and rejected too
    to_leader: bool = False     # Sema na Kiongozi: addressed to a leader's office
    answered: bool = False      # has had a first answer (the ranking's median days)
    on_time: bool = False       # its first answer came by the due time (the on-time share)

    @property
    def by_due(self) -> bool:
        """Open work is read oldest due first; anything with closed rows newest first."""
        return not self.every_status and (self.status is None or self.status in OPEN_VALUES)

    @classmethod
    def from_args(cls, args: Any) -> InboxFilter:
        """Build from request args (a mapping of strings), ignoring what does not parse."""
        def pick(name: str, allowed: set[str]) -> str | None:
            value = (args.get(name) or "").strip()
            return value if value in allowed else None

        return cls(status=pick("status", {s.value for s in Status}),
                   kind=pick("kind", {k.value for k in Kind}),
                   channel=pick("channel", {c.value for c in Channel}),
                   institution_id=_int(args.get("institution")),
                   since=_date(args.get("since")), until=_date(args.get("until")),
                   overdue=args.get("overdue") in ("1", "on", "true"),
                   q=" ".join((args.get("q") or "").split())[:200],
                   open=args.get("open") in ("1", "on", "true"), under=_int(args.get("under")),
                   escalated=args.get("escalated") in ("1", "on", "true"),
                   assignee=_assignee(args.get("assignee")),
                   every_status=(args.get("status") or "").strip() == "all",
                   to_leader=args.get("leader") in ("1", "on", "true"),
                   answered=args.get("answered") in ("1", "on", "true"),
                   on_time=args.get("on_time") in ("1", "on", "true"))


def _assignee(raw: str | None) -> str | None:
    value = (raw or "").strip()
    if value in ("me", "none"):
        return value
    return str(_int(value)) if _int(value) else None


def _int(raw: str | None) -> int | None:
    try:
        value = int(raw or "")
    except ValueError:
        return None
    return value if 0 < value < 2**31 else None


def _date(raw: str | None) -> date | None:
    """A day the filters can add a day to and compare (not the first or last one)."""
    try:
        value = date.fromisoformat((raw or "").strip())
    except ValueError:
        return None
    return value if date.min < value < date.max else None


def encode_cursor(row: Feedback, by_due: bool = False) -> str:
    """The keyset position after ``row``: its due time in the open queue, else its arrival."""
    at = (row.due_at or row.created_at) if by_due else row.created_at
    return f"{int(at.timestamp() * 1_000_000)}.{row.id}"


def decode_cursor(raw: str | None) -> Cursor | None:
    """A cursor from the URL, or ``None`` for anything malformed (the first page)."""
    try:
        micros, ident = (raw or "").split(".")
        at, key = datetime.fromtimestamp(int(micros) / 1_000_000, UTC), int(ident)
        if not 0 < key < 2**63:  # a bigint, or the database refuses the comparison
            raise ValueError(ident)
        return at, key
    except (ValueError, OverflowError, OSError):
        return None


def _search(q: str) -> ColumnElement[bool] | None:
    """A reference (whole or part), a submitter's number or name, or words of the text.

    Number and name match only feedback that is not anonymous: an anonymous
    submitter cannot be found by who they are.
    """
    if not q:
        return None
    found: list[ColumnElement[bool]] = []
    try:
        found.append(and_(Feedback.anonymous.is_(False),
                          Feedback.submitter_phone == normalise_phone(q)))
    except InvalidPhone:
        pass
    try:  # a whole reference: the unique index, never a scan
        return or_(Feedback.reference == parse_reference(q), *found)
    except InvalidReference:
        pass
    digits = "".join(q.split()).replace("-", "")
    if digits.isdigit() and len(digits) >= 4:
        found.append(Feedback.reference.like(f"%{digits}%"))
    words = [w for w in q.split() if len(w) > 1][:MAX_WORDS]
    if words:
        found.append(and_(*(Feedback.description.ilike(_like(w), escape="\\") for w in words)))
        found.append(and_(Feedback.anonymous.is_(False), *(
            Feedback.submitter_name.ilike(_like(w), escape="\\") for w in words)))
    return or_(*found) if found else None


def _like(word: str) -> str:
    return f"%{_escape_like(word)}%"


def _escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def filtered(session: Session, officer: Officer, flt: InboxFilter,
             now: datetime | None = None) -> Select[Any]:
    """The scoped, filtered statement in the filter's order; callers add keyset and limit."""
    return select(Feedback).where(scope_filter(session, officer),
                                  *_conditions(session, officer, flt, now)).order_by(*_order(flt))


def _order(flt: InboxFilter) -> tuple[Any, Any]:
    return ((Feedback.due_at.asc(), Feedback.id.asc()) if flt.by_due
            else (Feedback.created_at.desc(), Feedback.id.desc()))


def _conditions(session: Session, officer: Officer, flt: InboxFilter,
                now: datetime | None = None) -> list[ColumnElement[bool]]:
    """What ``flt`` asks for, apart from the officer's scope."""
    now = now or utcnow()
    conds: list[ColumnElement[bool]] = []
    if flt.status:
        conds.append(Feedback.status == flt.status)
    if flt.kind:
        conds.append(Feedback.kind == flt.kind)
    if flt.channel:
        conds.append(Feedback.channel == flt.channel)
    if flt.institution_id:
        conds.append(Feedback.institution_id == flt.institution_id)
    if flt.since:
        conds.append(Feedback.created_at >= datetime.combine(flt.since, time(), UTC))
    if flt.until:
        conds.append(Feedback.created_at < datetime.combine(flt.until, time(), UTC)
                     + timedelta(days=1))
    if flt.overdue:
        conds.append(overdue_clause(now))
    if not flt.status and not flt.every_status:
        conds.append(Feedback.status.in_(OPEN_VALUES))
    if flt.assignee == "me":
        conds.append(Feedback.assigned_to_id == officer.id)
    elif flt.assignee == "none":
        conds.append(Feedback.assigned_to_id.is_(None))
    elif flt.assignee:
        conds.append(Feedback.assigned_to_id == int(flt.assignee))
    if flt.open:
        conds.append(Feedback.status.in_(OPEN_VALUES))
    if flt.escalated:
        conds.append(Feedback.escalated.is_(True))
    if flt.to_leader:
        conds.append(Feedback.to_leader.is_(True))
    if flt.answered or flt.on_time:
        conds.append(Feedback.answer_days.is_not(None))
    if flt.on_time:
        conds.append(Feedback.on_time.is_(True))
    if flt.under:
        conds.append(Feedback.institution_id.in_(subtree_ids(session, flt.under)))
    search = _search(flt.q)
    if search is not None:
        conds.append(search)
    return conds


@dataclass
class Page:
    rows: list[Feedback]
    next_cursor: str | None


def inbox_page(session: Session, officer: Officer, flt: InboxFilter,
               after: Cursor | None = None, limit: int = PAGE,
               now: datetime | None = None) -> Page:
    """One page of the inbox after ``after``; ``next_cursor`` is None on the last page."""
    conds = _conditions(session, officer, flt, now)
    if after is not None and flt.by_due:
        conds.append(tuple_(Feedback.due_at, Feedback.id) > tuple_(*after))
    elif after is not None:
        conds.append(tuple_(Feedback.created_at, Feedback.id) < tuple_(*after))
    ids = visible_institution_ids(session, officer)
    stmt = (select(Feedback).where(*conds).order_by(*_order(flt)).limit(limit + 1)
            if ids is None else _scoped_top(ids, conds, _order(flt), limit + 1))
    rows: list[Feedback] = list(session.scalars(stmt))
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, encode_cursor(rows[-1], flt.by_due) if more and rows else None)


def _scoped_top(ids: set[int], conds: list[ColumnElement[bool]], order: tuple[Any, Any],
                limit: int) -> Select[Any]:
    """The first ``limit`` rows in ``order`` of each branch of the scope, then of all of them.

    Each branch is one ordered index scan that stops after ``limit`` rows (the
    quietest institution's open queue is as quick as the busiest's); the outer
    query sorts at most three times ``limit`` rows.
    """
    parts = [select(Feedback.id).where(branch, *conds).order_by(*order).limit(limit).subquery()
             for branch in scope_branches(ids)]
    found = union(*(select(p.c.id) for p in parts))
    return select(Feedback).where(Feedback.id.in_(found)).order_by(*order).limit(limit)


def iter_filtered(session: Session, officer: Officer, flt: InboxFilter,
                  now: datetime | None = None, batch: int = 500) -> Iterator[Feedback]:
    """Every row of the filtered list, fetched page by page (the CSV export)."""
    after: Cursor | None = None
    while True:
        page = inbox_page(session, officer, flt, after, batch, now)
        yield from page.rows
        if page.next_cursor is None:
            return
        after = decode_cursor(page.next_cursor)


@dataclass
class Dashboard:
    by_status: dict[str, int]
    overdue: int
    by_institution: list[tuple[int, int, float | None]] = field(default_factory=list)
    by_kind: dict[str, int] = field(default_factory=dict)
    hours_to_answer: float | None = None
    hours_to_close: float | None = None
    per_day: list[tuple[date, int]] = field(default_factory=list)


def dashboard(session: Session, officer: Officer, now: datetime | None = None,
              days: int = 90) -> Dashboard:
    """Counts now, plus the last ``days`` days by institution, kind, time and day.

    Read from the feedback tally (``core.tally``), whose rows per key the
    triggers and the squash keep few: the cost follows institutions and days,
    not feedback rows.
    """
    now = now or utcnow()
    today = now.astimezone(UTC).date()
    ids = visible_institution_ids(session, officer)  # a head's subtree: read once
    scope = tally_scope(session, ids)
    by_status = status_counts(session, ids, scope)
    overdue = sum(overdue_per_institution(session, now, scope, scope_clause(ids)).values())
    start = today - timedelta(days=days - 1)
    recent = and_(T.facet == "day", T.day >= start, T.day <= today, scope)
    board = Dashboard(by_status=by_status, overdue=overdue)
    _fold_recent(session, board, recent)
    counts = {str(d)[:10]: int(n) for d, n in session.execute(
        select(T.day, func.sum(T.n)).where(recent).group_by(T.day))}
    board.per_day = [(d, counts.get(d.isoformat(), 0))
                     for d in (start + timedelta(days=i) for i in range(days))]
    return board


def status_counts(session: Session, ids: set[int] | None,
                  scope: ColumnElement[bool] | None = None) -> dict[str, int]:
    """Feedback per status now in the scope of ``ids``, from the tally (no row is counted)."""
    scope = tally_scope(session, ids) if scope is None else scope
    return {s: int(n) for s, n in session.execute(
        select(T.status, func.sum(T.n)).where(T.facet == "status", scope)
        .group_by(T.status)) if n}


def _fold_recent(session: Session, board: Dashboard, recent: ColumnElement[bool]) -> None:
    """By institution, by kind, ratings and times of the window's tally rows."""
    rows: Any = session.execute(select(
        T.institution_id, T.kind, *(func.sum(c) for c in tally.SUMS))
        .where(recent).group_by(T.institution_id, T.kind))
    per_inst: dict[int, list[float]] = {}
    totals = [0.0, 0.0, 0.0, 0.0]
    for inst, kind, n, r_sum, r_n, a_sum, a_n, c_sum, c_n in rows:
        if not n:
            continue
        board.by_kind[kind] = board.by_kind.get(kind, 0) + int(n)
        acc = per_inst.setdefault(inst, [0, 0.0, 0])
        acc[0] += n
        acc[1] += float(r_sum or 0)
        acc[2] += r_n or 0
        for i, v in enumerate((a_sum, a_n, c_sum, c_n)):
            totals[i] += float(v or 0)
    board.by_institution = sorted(
        ((i, int(a[0]), a[1] / a[2] if a[2] else None) for i, a in per_inst.items()),
        key=lambda row: -row[1])
    board.hours_to_answer = totals[0] / totals[1] / 3600 if totals[1] else None
    board.hours_to_close = totals[2] / totals[3] / 3600 if totals[3] else None


def any_filter_set(flt: InboxFilter) -> bool:
    """Whether any filter is set (the inbox shows a 'clear' link)."""
    return any((flt.status, flt.kind, flt.channel, flt.institution_id, flt.since,
                flt.until, flt.overdue, flt.q, flt.open, flt.under, flt.escalated,
                flt.assignee, flt.every_status, flt.to_leader, flt.answered, flt.on_time))


__all__ = ["Dashboard", "InboxFilter", "Page", "dashboard", "decode_cursor",
           "encode_cursor", "filtered", "inbox_page", "iter_filtered", "status_counts"]
