"""A submission's key makes it idempotent in the database, on PostgreSQL and SQLite alike."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import func, select

from core import policies
from core.clock import db_now
from core.models import Event, Feedback, OutboundMessage, Subscriber
from core.policies import SubmissionLimits
from core.services import Submission, submit_feedback


def _sub(key: str | None, text: str = "Maji hayatoki kwa wiki mbili") -> Submission:
    return Submission(kind="complaint", channel="ussd", institution_code="TRA",
                      description=text, phone="0712345678", key=key)


def _count(session, model, *where) -> int:
    return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_the_same_key_returns_the_first_record_and_writes_nothing_more(session) -> None:
    first = submit_feedback(session, _sub("ussd:d:abc"))
    session.commit()
    again = submit_feedback(session, _sub("ussd:d:abc", "an edited text, sent again"))
    session.commit()
    assert again.id == first.id and again.reference == first.reference
    assert _count(session, Feedback) == 1
    assert _count(session, Event, Event.kind == "created") == 1
    assert _count(session, OutboundMessage, OutboundMessage.purpose == "reference") == 1
    other = submit_feedback(session, _sub("ussd:d:xyz"))
    none = submit_feedback(session, _sub(None))
    assert len({first.id, other.id, none.id}) == 3


def test_a_replay_is_never_refused_by_the_limit(session) -> None:
    session.info[policies.KEY] = replace(policies.of(session),
                                         limits=SubmissionLimits(per_hour=1, per_day=None))
    first = submit_feedback(session, _sub("ussd:d:last"))
    session.commit()
    assert submit_feedback(session, _sub("ussd:d:last")).id == first.id


def test_a_submission_makes_its_subscriber_and_takes_the_database_time(session) -> None:
    before = db_now(session)
    session.commit()
    feedback = submit_feedback(session, _sub("ussd:d:t"))
    session.commit()
    assert before <= feedback.created_at <= db_now(session)
    assert _count(session, Subscriber, Subscriber.phone == "+255712345678") == 1
    submit_feedback(session, _sub("ussd:d:u"))
    assert _count(session, Subscriber) == 1
