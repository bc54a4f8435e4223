"""The leader's dashboard: the institutions under a leader ranked worst first, and by region.

Every figure is read from the feedback tally (:mod:`core.tally`), never from the
feedback rows, so the page costs what the number of institutions and days
costs. A feedback counts at the institution that holds it
(``Feedback.institution_id``), the same rule as the inbox's institution filter,
so each figure's link lists exactly the items it counts.

A row is one institution directly under the root, with everything of its
subtree folded in (a region with its councils, a ministry with its agencies);
the root's own feedback is a row of its own. Worst first means most overdue,
then most open, then the lowest average rating.

Two figures come from the rows instead: the median working days to a first
answer and the share answered on time. A median cannot be summed, so the
tally cannot hold it; the rows keep each first answer's working days
(:mod:`core.answer_time`), and one grouped query over the window's first
answers, served by the partial index ``ix_feedback_first_answer`` (created_at,
institution, days, on time: an index-only scan), returns a histogram per
institution of at most a few thousand rows, whatever the table's size.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import directives
from core.answer_time import AnswerTimes, first_answer_times
from core.answer_time import histogram_median as histogram_median  # named here for callers
from core.errors import UnknownInstitution
from core.models import Directive, Feedback, Institution, Officer, utcnow
from core.models import FeedbackTally as T
from core.overdue import overdue_per_institution
from core.scope import scope_clause, visible_institution_ids
from core.status import OPEN_VALUES

WINDOW_DAYS = 90


@dataclass
class Figures:
    """Counts now (open, overdue) and over the window (received onwards)."""

    open: int = 0
    overdue: int = 0
    received: int = 0
    answered: int = 0
    appealed: int = 0
    answer_seconds: float = 0.0
    rating_sum: int = 0
    rating_n: int = 0
    # First answers to the window's feedback (from the rows): core.answer_time's figures.
    answers: AnswerTimes = field(default_factory=AnswerTimes)

    def add(self, other: Figures) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def days_to_answer(self) -> float | None:
        return self.answer_seconds / self.answered / 86400 if self.answered else None

    @property
    def appeal_share(self) -> float | None:
        return self.appealed / self.answered if self.answered else None

    @property
    def overdue_share(self) -> float | None:
        return self.overdue / self.open if self.open else None

    @property
    def rating(self) -> float | None:
        return self.rating_sum / self.rating_n if self.rating_n else None

    @property
    def first_answers(self) -> int:
        return self.answers.first_answers

    @property
    def on_time(self) -> int:
        return self.answers.on_time

    @property
    def on_time_share(self) -> float | None:
        return self.answers.on_time_share

    @property
    def median_days(self) -> float | None:
        return self.answers.median_days


@dataclass
class Row:
    institution: Institution
    figures: Figures
    own_only: bool = False      # the root's own feedback, not its subtree
    children: int = 0           # institutions below: the row can be drilled into
    folded: bool = True         # figures include the subtree (a district office's do not)

    @property
    def filter(self) -> dict[str, int]:
        """The inbox filter that lists exactly the feedback these figures count."""
        if self.own_only or not self.folded:
            return {"institution": self.institution.id}
        return {"under": self.institution.id}


@dataclass
class Ranking:
    root: Institution | None
    rows: list[Row]
    scope: Figures
    national: Figures
    since: date
    by_region: dict[str, Figures] = field(default_factory=dict)


def per_institution(session: Session, now: datetime | None = None,
                    days: int = WINDOW_DAYS) -> tuple[dict[int, Figures], date]:
    """Figures of every institution's own feedback, from the tally; and the window's first day."""
    now = now or utcnow()
    today = now.astimezone(UTC).date()
    since = today - timedelta(days=days - 1)
    figures: dict[int, Figures] = {}

    def at(inst: int) -> Figures:
        return figures.setdefault(inst, Figures())

    for inst, n in session.execute(select(T.institution_id, func.sum(T.n)).where(
            T.facet == "status", T.status.in_(OPEN_VALUES)).group_by(T.institution_id)):
        at(inst).open += int(n or 0)
    for inst, n in overdue_per_institution(session, now).items():
        at(inst).overdue += n
    rows = session.execute(select(
        T.institution_id, T.appeal_institution_id, func.sum(T.n), func.sum(T.answered_n),
        func.sum(T.answer_seconds), func.sum(T.rating_sum), func.sum(T.rating_n))
        .where(T.facet == "day", T.day >= since, T.day <= today)
        .group_by(T.institution_id, T.appeal_institution_id))
    _first_answers(session, since, at)
    for inst, appealed, n, answered, seconds, r_sum, r_n in rows:
        f = at(inst)
        f.received += int(n or 0)
        f.answered += int(answered or 0)
        f.appealed += int(n or 0) if appealed else 0
        f.answer_seconds += float(seconds or 0)
        f.rating_sum += int(r_sum or 0)
        f.rating_n += int(r_n or 0)
    return figures, since


def _window_start(since: date) -> datetime:
    """The window's first moment, as the inbox's ``since`` filter reads it."""
    return datetime.combine(since, time(), UTC)


def _first_answers(session: Session, since: date, at: Callable[[int], Figures]) -> None:
    """Each institution's histogram of working days to a first answer, and how many on time."""
    for inst, times in first_answer_times(session, Feedback.created_at >= _window_start(since),
                                          by=Feedback.institution_id).items():
        at(inst).answers = times


def slowest_kinds(session: Session, institution_ids: set[int] | None, since: date,
                  ) -> list[tuple[str, float, int]]:
    """(kind, median working days to a first answer, answers) in the scope, slowest first."""
    where = [Feedback.created_at >= _window_start(since)]
    if institution_ids is not None:
        where.append(Feedback.institution_id.in_(institution_ids))
    by_kind = first_answer_times(session, *where, by=Feedback.kind)
    rows = [(kind, t.median_days or 0.0, t.first_answers) for kind, t in by_kind.items()]
    return sorted(rows, key=lambda r: (-r[1], -r[2], r[0]))


def _total(figures: Iterable[Figures]) -> Figures:
    total = Figures()
    for f in figures:
        total.add(f)
    return total


def worst_first(rows: list[Row]) -> list[Row]:
    return sorted(rows, key=lambda r: (-r.figures.overdue, -r.figures.open,
                                       r.figures.rating if r.figures.rating is not None else 6,
                                       r.institution.code))


def rank(session: Session, root: Institution | None, now: datetime | None = None) -> Ranking:
    """The rows under ``root`` (``None``: the whole country, under its top institutions)."""
    institutions = list(session.scalars(select(Institution)))
    by_id = {i.id: i for i in institutions}
    children: dict[int | None, list[Institution]] = {}
    for inst in institutions:
        children.setdefault(inst.parent_id, []).append(inst)
        if inst.district_id is not None:  # a district office's rows are its councils
            children.setdefault(inst.district_id, []).append(inst)
    own, since = per_institution(session, now)
    tops = children.get(None, [])
    heads = [root] if root else tops
    row_of: dict[int, Row] = {}
    rows: list[Row] = []
    for head in heads:
        for child in children.get(head.id, []):
            row = Row(child, Figures(), children=len(children.get(child.id, [])),
                      folded=child.kind != "district")
            rows.append(row)
            row_of[child.id] = row
        rows.append(Row(head, own.get(head.id, Figures()), own_only=True))
    for inst_id, figures in own.items():
        ancestor = _row_ancestor(by_id, inst_id, row_of)
        if ancestor is not None:
            ancestor.figures.add(figures)
    rows = [r for r in rows if not r.own_only or r.figures.open or r.figures.received]
    by_region: dict[str, Figures] = {}
    for inst_id, figures in own.items():
        region = by_id[inst_id].region_code if inst_id in by_id else None
        if region:
            by_region.setdefault(region, Figures()).add(figures)
    return Ranking(root=root, rows=worst_first(rows), scope=_total(r.figures for r in rows),
                   national=_total(own.values()), since=since, by_region=by_region)


def _row_ancestor(by_id: dict[int, Institution], inst_id: int,
                  row_of: dict[int, Row]) -> Row | None:
    """The row whose subtree holds ``inst_id``: itself or its nearest ancestor with a row."""
    seen: set[int] = set()
    current: int | None = inst_id
    while current is not None and current not in seen:
        if current in row_of:
            return row_of[current]
        seen.add(current)
        parent = by_id.get(current)
        current = parent.parent_id if parent else None
    return None


def root_for(session: Session, officer: Officer, requested: int | None) -> Institution | None:
    """The root an officer may rank: any for oversight (``None``: national), else their subtree.

    A root outside the officer's reach is refused as not found, like feedback out of scope.
    """
    ids = visible_institution_ids(session, officer)
    if requested is None:
        return None if ids is None else session.get(Institution, officer.institution_id)
    root = session.get(Institution, requested)
    if root is None or (ids is not None and root.id not in ids):
        raise UnknownInstitution("no such institution in your scope")
    return root


def weekly(session: Session, institution_ids: set[int] | None, now: datetime | None = None,
           weeks: int = 52) -> list[tuple[date, int, int]]:
    """(Monday, received, answered of those) per week for the last ``weeks`` weeks."""
    now = now or utcnow()
    today = now.astimezone(UTC).date()
    first = today - timedelta(days=today.weekday(), weeks=weeks - 1)
    stmt = select(T.day, func.sum(T.n), func.sum(T.answered_n)).where(
        T.facet == "day", T.day >= first, T.day <= today).group_by(T.day)
    if institution_ids is not None:
        stmt = stmt.where(T.institution_id.in_(institution_ids))
    per_week: dict[date, list[int]] = {}
    for day, n, answered in session.execute(stmt):
        day = day if isinstance(day, date) else date.fromisoformat(str(day)[:10])
        acc = per_week.setdefault(day - timedelta(days=day.weekday()), [0, 0])
        acc[0] += int(n or 0)
        acc[1] += int(answered or 0)
    mondays = [first + timedelta(weeks=i) for i in range(weeks)]
    counts = [(m, per_week.get(m, [0, 0])) for m in mondays]
    return [(m, received, answered) for m, (received, answered) in counts]


def attention(session: Session, officer: Officer, now: datetime | None = None) -> tuple[int, int]:
    """(open feedback escalated into the officer's scope, overdue directives they gave)."""
    now = now or utcnow()
    ids = visible_institution_ids(session, officer)
    escalated = session.scalar(select(func.coalesce(func.sum(T.n), 0)).where(
        T.facet == "status", T.escalated.is_(True), T.status.in_(OPEN_VALUES),
        scope_clause(ids, T.institution_id, T.appeal_institution_id, T.escalated)))
    late = session.scalar(select(func.count()).select_from(Directive).where(
        Directive.issued_by_id == officer.id, directives.overdue_clause(now)))
    return int(escalated or 0), int(late or 0)
