"""Monthly and quarterly reports per scope: the figures a leader takes to a meeting.

A scope is the whole country or an institution with everything below it (a
region with its councils, a ministry with its agencies, one council). A report
counts the feedback *received* in its period by kind and by status now, how
much was answered, how many first answers came on time (by the due date then in
force) and their median working days (:mod:`core.answer_time`, the figures the
leaders' board and the public statistics page show), appeals and ratings, the
directives given and done, with the ranking and the weekly trend of
:mod:`core.ranking`.

Only counts, shares and institution names are kept: no phone number, no name
and no text of any feedback ever enters a report, so a report can be handed
on freely. :func:`generate_due` is the scheduled job's body: on the first day
of a month it keeps last month's report (and last quarter's, at a quarter's
start) for every scope that had feedback; running it twice replaces, never
duplicates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from core import ranking
from core.answer_time import AnswerTimes, first_answer_times
from core.directives import DirectiveStatus
from core.models import Directive, Feedback, Institution, Report, utcnow
from core.scope import subtree_ids

PERIODS = ("month", "quarter")
NATIONAL = 0  # Report.scope_id of the whole country


@dataclass(frozen=True)
class Period:
    kind: str
    start: date
    end: date  # exclusive

    @classmethod
    def containing(cls, kind: str, day: date) -> Period:
        if kind not in PERIODS:
            raise ValueError(f"a report covers a month or a quarter, not {kind!r}")
        month = day.month if kind == "month" else 3 * ((day.month - 1) // 3) + 1
        start = date(day.year, month, 1)
        months = 1 if kind == "month" else 3
        year, nxt = divmod(start.month - 1 + months, 12)
        return cls(kind, start, date(start.year + year, nxt + 1, 1))

    def previous(self) -> Period:
        return Period.containing(self.kind, self.start - timedelta(days=1))

    @property
    def label(self) -> str:
        if self.kind == "month":
            return self.start.strftime("%Y-%m")
        return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"


def _moment(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def figures(session: Session, scope: Institution | None, period: Period) -> dict[str, Any]:
    """The report's figures, as plain JSON-able values."""
    ids = subtree_ids(session, scope.id) if scope else None
    where = [Feedback.created_at >= _moment(period.start),
             Feedback.created_at < _moment(period.end)]
    if ids is not None:
        where.append(Feedback.institution_id.in_(ids))
    # One pass over the period's rows, grouped by kind and status, gives every count
    # (a scan per figure read the month's rows four times: 487 ms at 1,000,000 rows).
    by_kind: dict[str, int] = {}
    by_status: dict[str, int] = {}
    answered = appeals = rating_n = 0
    rating_sum = 0.0
    for kind, status, n, n_answered, n_appeals, r_sum, r_n in session.execute(
            select(Feedback.kind, Feedback.status, func.count(), func.count(Feedback.answered_at),
                   func.count(Feedback.appeal_institution_id), func.sum(Feedback.rating),
                   func.count(Feedback.rating)).where(*where)
            .group_by(Feedback.kind, Feedback.status)):
        by_kind[kind] = by_kind.get(kind, 0) + int(n)
        by_status[status] = by_status.get(status, 0) + int(n)
        answered, appeals = answered + int(n_answered), appeals + int(n_appeals)
        rating_sum, rating_n = rating_sum + float(r_sum or 0), rating_n + int(r_n)
    rating_avg = rating_sum / rating_n if rating_n else None
    first = first_answer_times(session, *where).get(None, AnswerTimes())
    return {
        "received": sum(by_kind.values()), "by_kind": by_kind, "by_status": by_status,
        "answered": answered, "first_answers": first.first_answers,
        "answered_on_time": first.on_time, "on_time_rate": _round(first.on_time_share, 4),
        "median_days_to_answer": first.median_days,
        "appeals": appeals,
        "rating": round(rating_avg, 2) if rating_avg is not None else None,
        "ratings": rating_n, "directives": _directives(session, ids, period),
    }


def _directives(session: Session, ids: set[int] | None, period: Period) -> dict[str, int]:
    where = [Directive.created_at >= _moment(period.start),
             Directive.created_at < _moment(period.end)]
    if ids is not None:
        where.append(Directive.institution_id.in_(ids))
    given = session.scalar(select(func.count()).select_from(Directive).where(*where)) or 0
    done = session.scalar(select(func.count()).select_from(Directive).where(
        *where, Directive.status == DirectiveStatus.DONE.value)) or 0
    return {"given": int(given), "done": int(done)}


def build(session: Session, scope: Institution | None, period: Period,
          now: datetime | None = None) -> dict[str, Any]:
    """Figures, ranking and trend of ``scope`` over ``period``."""
    now = now or utcnow()
    board = ranking.rank(session, scope, now)
    weeks = ranking.weekly(session, subtree_ids(session, scope.id) if scope else None,
                           _moment(period.end) - timedelta(seconds=1),
                           weeks=5 if period.kind == "month" else 14)
    return {
        "scope": _institution(scope) if scope else None, "period": period.kind,
        "label": period.label, "start": period.start.isoformat(),
        "end": period.end.isoformat(), "generated_at": now.isoformat(),
        **figures(session, scope, period),
        "ranking": [{**_institution(r.institution), "own_only": r.own_only,
                     "open": r.figures.open, "overdue": r.figures.overdue,
                     "received_90_days": r.figures.received,
                     "days_to_answer": _round(r.figures.days_to_answer),
                     "on_time_share": _round(r.figures.on_time_share, 4),
                     "median_days": r.figures.median_days,
                     "rating": _round(r.figures.rating)} for r in board.rows],
        "trend": [{"week": m.isoformat(), "received": rec, "answered": ans}
                  for m, rec, ans in weeks if _moment(m) < _moment(period.end)],
    }


def _institution(inst: Institution) -> dict[str, Any]:
    return {"code": inst.code, "name_sw": inst.name_sw, "name_en": inst.name_en}


def _round(value: float | None, digits: int = 2) -> float | None:
    return round(value, digits) if value is not None else None


def keep(session: Session, scope: Institution | None, period: Period,
         now: datetime | None = None) -> Report:
    """Build and store the report, replacing one kept before for the same scope and period."""
    scope_id = scope.id if scope else NATIONAL
    session.execute(delete(Report).where(Report.scope_id == scope_id,
                                         Report.period == period.kind,
                                         Report.start == period.start))
    report = Report(scope_id=scope_id, period=period.kind, start=period.start,
                    end=period.end, generated_at=now or utcnow(),
                    data=build(session, scope, period, now))
    session.add(report)
    session.flush()
    return report


def scopes_with_feedback(session: Session, period: Period) -> list[Institution | None]:
    """The country, and every institution whose subtree received feedback in ``period``."""
    touched = set(session.scalars(select(Feedback.institution_id).where(
        Feedback.created_at >= _moment(period.start),
        Feedback.created_at < _moment(period.end)).distinct()))
    parents = dict(session.execute(select(Institution.id, Institution.parent_id)).all())
    wanted: set[int] = set()
    for inst in touched:
        current: int | None = inst
        while current is not None and current not in wanted:
            wanted.add(current)
            current = parents.get(current)
    insts = list(session.scalars(select(Institution).where(Institution.id.in_(wanted))
                                 .order_by(Institution.code)))
    return [None, *insts]


def generate_due(session: Session, now: datetime | None = None) -> list[Report]:
    """Keep last month's reports, and last quarter's when a quarter has just begun."""
    now = now or utcnow()
    month = Period.containing("month", now.astimezone(UTC).date()).previous()
    periods = [month]
    quarter = Period.containing("quarter", now.astimezone(UTC).date())
    if quarter.start == Period.containing("month", now.astimezone(UTC).date()).start:
        periods.append(quarter.previous())
    kept = []
    for period in periods:
        for scope in scopes_with_feedback(session, period):
            kept.append(keep(session, scope, period, now))
    return kept


def visible_reports(session: Session, ids: set[int] | None, limit: int = 200) -> list[Report]:
    """Reports an officer may read: of scopes within ``ids`` (``None``: all), newest first."""
    stmt = select(Report).order_by(Report.start.desc(), Report.period, Report.scope_id)
    if ids is not None:
        stmt = stmt.where(Report.scope_id.in_(ids))
    return list(session.scalars(stmt.limit(limit)))
