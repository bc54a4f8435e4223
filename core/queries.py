"""The admin's read side: the inbox page, its filters and search, and the dashboard.

Every query starts from :func:`core.scope.scope_filter`, so an officer's list,
export and figures can only ever hold feedback they may see. The inbox is paged
by keyset on ``(created_at, id)`` newest first, which the composite indexes in
``Feedback.__table_args__`` serve without counting or skipping rows, so page 800
costs what page 1 costs. Dashboard figures over time use a 90-day window for the
same reason: the open counts stay exact, the history stays bounded.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, select, tuple_
from sqlalchemy.orm import Session

from core.errors import InvalidReference
from core.models import Feedback, Officer, utcnow
from core.references import parse_reference
from core.scope import scope_filter
from core.status import OPEN_STATUSES, Channel, Kind, Status

PAGE = 25
MAX_WORDS = 5
OPEN = tuple(s.value for s in OPEN_STATUSES)
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
                   q=" ".join((args.get("q") or "").split())[:200])


def _int(raw: str | None) -> int | None:
    try:
        value = int(raw or "")
    except ValueError:
        return None
    return value if 0 < value < 2**31 else None


def _date(raw: str | None) -> date | None:
    try:
        return date.fromisoformat((raw or "").strip())
    except ValueError:
        return None


def encode_cursor(row: Feedback) -> str:
    return f"{int(row.created_at.timestamp() * 1_000_000)}.{row.id}"


def decode_cursor(raw: str | None) -> Cursor | None:
    """A cursor from the URL, or ``None`` for anything malformed (the first page)."""
    try:
        micros, ident = (raw or "").split(".")
        at = datetime.fromtimestamp(int(micros) / 1_000_000, UTC)
        return at, int(ident)
    except (ValueError, OverflowError, OSError):
        return None


def _search(q: str) -> ColumnElement[bool] | None:
    """A reference typed whole finds that one feedback; otherwise every word must appear."""
    if not q:
        return None
    try:
        return Feedback.reference == parse_reference(q)
    except InvalidReference:
        pass
    words = [w for w in q.split() if len(w) > 1][:MAX_WORDS]
    if not words:
        return None
    return and_(*(Feedback.description.ilike(f"%{_escape_like(w)}%", escape="\\")
                  for w in words))


def _escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def filtered(session: Session, officer: Officer, flt: InboxFilter,
             now: datetime | None = None) -> Select[Any]:
    """The scoped, filtered statement, newest first; callers add the keyset and limit."""
    now = now or utcnow()
    conds: list[ColumnElement[bool]] = [scope_filter(session, officer)]
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
        conds.append(and_(Feedback.status.in_(OPEN), Feedback.due_at < now))
    search = _search(flt.q)
    if search is not None:
        conds.append(search)
    return select(Feedback).where(*conds).order_by(
        Feedback.created_at.desc(), Feedback.id.desc())


@dataclass
class Page:
    rows: list[Feedback]
    next_cursor: str | None


def inbox_page(session: Session, officer: Officer, flt: InboxFilter,
               after: Cursor | None = None, limit: int = PAGE,
               now: datetime | None = None) -> Page:
    """One page of the inbox after ``after``; ``next_cursor`` is None on the last page."""
    stmt = filtered(session, officer, flt, now)
    if after is not None:
        stmt = stmt.where(tuple_(Feedback.created_at, Feedback.id) < tuple_(*after))
    rows: list[Feedback] = list(session.scalars(stmt.limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, encode_cursor(rows[-1]) if more and rows else None)


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


def _seconds(session: Session, later: Any, earlier: Any) -> Any:
    """sum(later - earlier) in seconds, on PostgreSQL and SQLite alike."""
    if session.get_bind().dialect.name == "postgresql":
        return func.sum(func.extract("epoch", later - earlier))
    return func.sum(func.julianday(later) - func.julianday(earlier)) * 86400.0


def _fold_recent(session: Session, board: Dashboard, recent: ColumnElement[bool]) -> None:
    """By institution, by kind, ratings and times from one pass over the window's rows."""
    closed = case((Feedback.status == Status.CLOSED.value, Feedback.closed_at))
    rows = session.execute(select(
        Feedback.institution_id, Feedback.kind, func.count(), func.sum(Feedback.rating),
        func.count(Feedback.rating), _seconds(session, Feedback.answered_at, Feedback.created_at),
        func.count(Feedback.answered_at), _seconds(session, closed, Feedback.created_at),
        func.count(closed)).where(recent).group_by(Feedback.institution_id, Feedback.kind))
    per_inst: dict[int, list[float]] = {}
    totals = [0.0, 0.0, 0.0, 0.0]
    for inst, kind, n, r_sum, r_n, a_sum, a_n, c_sum, c_n in rows:
        board.by_kind[kind] = board.by_kind.get(kind, 0) + n
        acc = per_inst.setdefault(inst, [0, 0.0, 0])
        acc[0] += n
        acc[1] += float(r_sum or 0)
        acc[2] += r_n
        for i, v in enumerate((a_sum, a_n, c_sum, c_n)):
            totals[i] += float(v or 0)
    board.by_institution = sorted(
        ((i, int(a[0]), a[1] / a[2] if a[2] else None) for i, a in per_inst.items()),
        key=lambda row: -row[1])
    board.hours_to_answer = totals[0] / totals[1] / 3600 if totals[1] else None
    board.hours_to_close = totals[2] / totals[3] / 3600 if totals[3] else None


def dashboard(session: Session, officer: Officer, now: datetime | None = None,
              days: int = 90) -> Dashboard:
    """Open counts now, plus the last ``days`` days by institution, kind, time and day."""
    now = now or utcnow()
    scope = scope_filter(session, officer)
    by_status = {s: n for s, n in session.execute(
        select(Feedback.status, func.count()).where(scope).group_by(Feedback.status))}
    overdue = session.scalar(select(func.count()).select_from(Feedback).where(
        scope, Feedback.status.in_(OPEN), Feedback.due_at < now)) or 0
    start = datetime.combine((now - timedelta(days=days - 1)).date(), time(), UTC)
    recent = and_(scope, Feedback.created_at >= start)
    board = Dashboard(by_status=by_status, overdue=overdue)
    _fold_recent(session, board, recent)
    board.per_day = _per_day(session, recent, start.date(), days)
    return board


def _per_day(session: Session, where: ColumnElement[bool], start: date,
             days: int) -> list[tuple[date, int]]:
    """Feedback received each day (UTC), zeros included, oldest first."""
    day = func.date(Feedback.created_at)
    counts = {str(d)[:10]: n for d, n in session.execute(
        select(day, func.count()).where(where).group_by(day))}
    out = []
    for i in range(days):
        d = start + timedelta(days=i)
        out.append((d, int(counts.get(d.isoformat(), 0))))
    return out


def scope_or_none(flt: InboxFilter) -> bool:
    """Whether any filter is set (the inbox shows a 'clear' link)."""
    return any((flt.status, flt.kind, flt.channel, flt.institution_id, flt.since,
                flt.until, flt.overdue, flt.q))


__all__ = ["Dashboard", "InboxFilter", "Page", "dashboard", "decode_cursor",
           "encode_cursor", "filtered", "inbox_page", "iter_filtered"]
