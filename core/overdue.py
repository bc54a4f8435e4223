"""Overdue: open feedback past its due date, said once for rows, SQL and counts.

The inbox's row flag, its "overdue" filter, the navigation, the reminders and
escalation (core.accountability), the dashboard (core.queries) and the leaders'
ranking (core.ranking) all ask here, so an item one of them calls overdue is
overdue to all of them. "Open" itself is :func:`core.status.is_open`.
"""

from __future__ import annotations

from datetime import UTC, datetime, time

from sqlalchemy import ColumnElement, and_, func, select, true
from sqlalchemy.orm import Session

from core.models import Feedback
from core.models import FeedbackTally as T
from core.status import OPEN_VALUES, is_open


def is_overdue(feedback: Feedback, now: datetime) -> bool:
    """This row is open and its due date has passed (the inbox's red date)."""
    return is_open(feedback.status) and feedback.due_at is not None and feedback.due_at < now


def overdue_clause(now: datetime) -> ColumnElement[bool]:
    """:func:`is_overdue` as SQL: the filter the inbox, reminders and escalation share."""
    return and_(Feedback.status.in_(OPEN_VALUES),
                Feedback.due_at.is_not(None), Feedback.due_at < now)


def overdue_per_institution(session: Session, now: datetime,
                            tally_scope: ColumnElement[bool] | None = None,
                            row_scope: ColumnElement[bool] | None = None) -> dict[int, int]:
    """Overdue feedback now, per holding institution id, at the tally's cost.

    Due before today comes from the tally's ``due`` facet (core.tally), which
    counts open feedback by the day it falls due; only what fell due today
    before ``now`` is counted from the rows, and those are today's few. The
    scopes narrow the tally rows and the feedback rows alike (core.scope).
    """
    today = now.astimezone(UTC).date()
    counts: dict[int, int] = {}
    for inst, n in session.execute(select(T.institution_id, func.sum(T.n)).where(
            T.facet == "due", T.day < today, true() if tally_scope is None else tally_scope)
            .group_by(T.institution_id)):
        counts[inst] = counts.get(inst, 0) + int(n or 0)
    for inst, n in session.execute(select(Feedback.institution_id, func.count()).where(
            Feedback.status.in_(OPEN_VALUES),
            Feedback.due_at >= datetime.combine(today, time(), UTC), Feedback.due_at < now,
            true() if row_scope is None else row_scope).group_by(Feedback.institution_id)):
        counts[inst] = counts.get(inst, 0) + int(n)
    return counts
