"""core.events.record is the one writer of history: its actor, time and kinds."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.events import EventKind, record
from core.labels import LABELS
from core.models import Event, utcnow


def test_a_job_writes_as_system_and_an_officer_under_their_name(session, make_feedback,
                                                                 make_officer) -> None:
    feedback, officer = make_feedback(), make_officer()
    at = utcnow() - timedelta(hours=2)
    by_job = record(session, feedback.id, EventKind.ESCALATED, None, at, **{"from": "TRA"})
    by_officer = record(session, feedback, EventKind.VIEWED, officer)
    session.commit()
    assert (by_job.actor, by_job.officer_id, by_job.at, by_job.data) == (
        "system", None, at, {"from": "TRA"})
    assert (by_officer.actor, by_officer.officer_id) == (officer.name, officer.id)
    assert by_officer.at > at  # the column's default dates an entry given no time


def test_detail_may_use_any_key_even_the_writers_own_names(session, make_feedback) -> None:
    feedback = make_feedback()
    record(session, feedback, EventKind.DUE_CHANGED, None, None, at="x", officer="y", to="z")
    session.commit()
    stored = session.scalars(select(Event).where(
        Event.feedback_id == feedback.id, Event.kind == "due_changed")).one()
    assert stored.data == {"at": "x", "officer": "y", "to": "z"} and stored.actor == "system"


def test_a_kind_outside_the_vocabulary_is_refused(session, make_feedback) -> None:
    with pytest.raises(ValueError):
        record(session, make_feedback(), "sms_lost")  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", [EventKind.CREATED, EventKind.SMS_FAILED,
                                  EventKind.DIRECTIVE_RETURNED, EventKind.ANSWERED])
def test_history_titles_come_from_the_one_table(kind: EventKind) -> None:
    assert LABELS[kind] == LABELS[kind.value] != kind.value
