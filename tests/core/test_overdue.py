"""Overdue is one rule: the row flag, the SQL clause and the tally-plus-today count agree."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import func, select

from core import overdue, queries, ranking, services
from core.models import Feedback, utcnow


def test_row_clause_and_count_agree_on_what_is_overdue(session, make_feedback,
                                                       make_officer) -> None:
    head = make_officer("TRA", "head")
    now = utcnow()
    midnight = datetime.combine(now.date(), time(), UTC)
    dues = {"yesterday": midnight - timedelta(hours=5),
            "earlier today": midnight + (now - midnight) / 2,
            "later": now + timedelta(hours=3)}
    made = {name: make_feedback() for name in [*dues, "answered late"]}
    for name, due in dues.items():
        made[name].due_at = due
    made["answered late"].due_at = dues["yesterday"]
    services.answer_feedback(session, made["answered late"], head, "Tumeshughulikia")
    session.commit()

    flagged = {name for name, f in made.items() if overdue.is_overdue(f, now)}
    assert flagged == {"yesterday", "earlier today"}
    rows = session.scalar(select(func.count()).select_from(Feedback).where(
        overdue.overdue_clause(now))) or 0
    tra = made["yesterday"].institution_id
    assert rows == overdue.overdue_per_institution(session, now)[tra] == 2
    assert queries.dashboard(session, head, now).overdue == 2
    assert ranking.per_institution(session, now)[0][tra].overdue == 2
