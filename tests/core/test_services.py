"""Every service through a real database: the row, its Event, the citizen's SMS."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from psycopg import pq
from sqlalchemy import exc, select, text

from core import services
from core.errors import (
    IllegalTransition,
    InvalidFeedback,
    InvalidPhone,
    InvalidReference,
    NotAllowed,
    UnknownFeedback,
    UnknownInstitution,
)
from core.models import Event, Feedback, OutboundMessage, utcnow
from core.services import Submission


def kinds(feedback: Feedback) -> list[str]:
    return [e.kind for e in feedback.events if e.kind != "sms_queued"]


def sms_purposes(session, feedback: Feedback) -> list[str]:
    return list(session.scalars(select(OutboundMessage.purpose)
                                .where(OutboundMessage.feedback_id == feedback.id)
                                .order_by(OutboundMessage.id)))


def test_submit_records_feedback_event_and_reference_sms(session, make_feedback) -> None:
    feedback = make_feedback(phone="+255 712 345 678", language="en")
    session.refresh(feedback)
    assert feedback.status == "received" and feedback.submitter_phone == "+255712345678"
    assert feedback.due_at is not None and feedback.due_at > feedback.created_at
    assert kinds(feedback) == ["created"]
    msg = session.scalar(select(OutboundMessage).where(OutboundMessage.feedback_id == feedback.id))
    assert msg is not None and feedback.reference in msg.text and msg.text.startswith("Thank you")


def test_submit_writes_its_history_in_order_with_the_sms_it_queued(session,
                                                                     make_feedback) -> None:
    # The two entries are written past the unit of work (core.events.write): the same rows
    # an ORM flush wrote, in the same order, dated with the feedback.
    feedback = make_feedback(phone="0712345678", anonymous=True)
    events = list(session.scalars(select(Event).where(Event.feedback_id == feedback.id)
                                  .order_by(Event.id)))
    msg = session.scalar(select(OutboundMessage).where(OutboundMessage.feedback_id == feedback.id))
    assert msg is not None and msg.status == "queued" and msg.attempts == 0
    assert [(e.kind, e.actor, e.officer_id, e.at) for e in events] == [
        ("created", "system", None, feedback.created_at),
        ("sms_queued", "system", None, feedback.created_at)]
    assert events[0].data == {"channel": "sms", "institution": "TRA", "anonymous": True}
    assert events[1].data == {"message_id": msg.id, "purpose": "reference"}
    assert [e.kind for e in feedback.events] == ["created", "sms_queued"]


def test_a_citizens_submission_is_the_numbers_lock_and_one_statement(session, make_feedback,
                                                                      tmp_path) -> None:
    """On PostgreSQL the number's lock, the rate count, the feedback, its SMS and its
    history are one statement (core.whole_insert): libpq's own trace of the connection
    shows what was sent, and each wait for the server."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("one statement of data-modifying CTEs is PostgreSQL's")
    make_feedback(phone="0712345670")  # the directory entry is cached from here on
    raw = session.connection().connection.dbapi_connection
    trace = tmp_path / "libpq.trace"
    with trace.open("w") as out:
        raw.pgconn.trace(out.fileno())
        raw.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)
        try:
            feedback = make_feedback(phone="0712345678")
        finally:
            raw.pgconn.untrace()
    sent = [line.split("\t") for line in trace.read_text().splitlines()
            if line.startswith("F\t")]
    waits: list[list[str]] = [[]]  # what was sent before each wait for the server
    for fields in sent:
        waits[-1].append(fields[2])
        if fields[2] in ("Sync", "Flush", "Query"):
            waits.append([])
    assert [w.count("Execute") for w in waits[:-1]] == [0, 1, 0]  # BEGIN, it, COMMIT
    if "Parse" in waits[1]:  # not yet prepared on this connection: the text went too
        assert all(f"INSERT INTO {table} " in trace.read_text()
                   for table in ("subscriber", "feedback", "outbound_message", "event"))
    assert (feedback.reference, feedback.status, feedback.sensitive) == (
        session.scalar(select(Feedback.reference).where(Feedback.id == feedback.id)),
        "received", False)
    assert session.get(Feedback, feedback.id).created_at == feedback.created_at


def test_a_host_days_ahead_dates_a_ussd_submission_and_its_due_date_by_the_database(
        session, make_feedback) -> None:
    """The statement reckons the due date from the host's day only where the database's
    day is the same; a host days ahead (on a day whose due date falls elsewhere) has
    the feedback dated, and its due date reckoned, by the database's clock."""
    from core import clock, policies, sla

    def database_now():
        with session.get_bind().connect() as conn:
            return clock.as_utc(conn.scalar(text("SELECT now()")))

    policy = policies.of(session).sla
    before = database_now()
    reckoned = sla.answer_due("complaint", before, policy) - before
    ahead = next(days for days in range(1, 8)
                 if sla.answer_due("complaint", before + timedelta(days=days), policy)
                 - (before + timedelta(days=days)) != reckoned)
    with time_machine.travel(before + timedelta(days=ahead), tick=True):
        feedback = make_feedback(channel="ussd", phone="0712345678")
    assert before <= feedback.created_at <= database_now()
    assert feedback.due_at == sla.answer_due("complaint", feedback.created_at, policy)
    session.expire_all()
    stored = session.get(Feedback, feedback.id)
    assert (stored.created_at, stored.due_at) == (feedback.created_at, feedback.due_at)
    assert [e.at for e in stored.events] == [feedback.created_at] * 2


def test_a_connection_lost_under_a_submission_is_sqlalchemys_error_and_is_replaced(
        session, make_feedback) -> None:
    """The one statement lost with its connection: the caller gets SQLAlchemy's
    OperationalError without the citizen's number in it, and the next submission
    a fresh connection (the dead one is not pooled again)."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("the one-statement submission is PostgreSQL's")
    make_feedback(phone="0712345670")
    connection = session.connection()
    pid = connection.scalar(text("SELECT pg_backend_pid()"))
    with session.get_bind().connect() as other:
        other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    with pytest.raises(exc.OperationalError) as raised:
        services.submit_feedback(session, Submission(
            kind="complaint", channel="ussd", institution_code="TRA",
            description="Nimesubiri TIN kwa wiki tatu", phone="0712345678"))
    assert raised.value.connection_invalidated and connection.invalidated
    assert "0712345678" not in str(raised.value) and "+255712345678" not in str(raised.value)
    session.rollback()
    assert make_feedback(channel="ussd", phone="0712345678").reference


def test_swahili_is_the_default_language(session, make_feedback) -> None:
    feedback = make_feedback()
    msg = session.scalar(select(OutboundMessage).where(OutboundMessage.feedback_id == feedback.id))
    assert msg is not None and msg.text.startswith("Asante")


def test_anonymous_submission_keeps_no_name(session, make_feedback) -> None:
    feedback = make_feedback(anonymous=True, name="Juma")
    assert feedback.submitter_name is None and feedback.submitter_label() == "anonymous"


@pytest.mark.parametrize("fields,error", [
    ({"institution_code": "NOPE"}, UnknownInstitution),
    ({"kind": "rant"}, InvalidFeedback),
    ({"channel": "fax"}, InvalidFeedback),
    ({"description": "  "}, InvalidFeedback),
    ({"description": "x" * 2001}, InvalidFeedback),
    ({"phone": "12"}, InvalidPhone),
    ({"phone": None}, InvalidFeedback),
])
def test_bad_submissions_are_refused_and_write_nothing(session, fields, error) -> None:
    base = {"kind": "complaint", "channel": "sms", "institution_code": "TRA",
            "description": "Barabara mbovu", "phone": "0712345678"}
    with pytest.raises(error):
        services.submit_feedback(session, Submission(**{**base, **fields}))
    session.rollback()
    assert session.scalar(select(Feedback.id)) is None
    assert session.scalar(select(Event.id)) is None


def test_find_feedback_refuses_a_mistyped_reference_before_lookup(session, make_feedback) -> None:
    ref = make_feedback().reference
    assert services.find_feedback(session, ref).reference == ref
    with pytest.raises(InvalidReference):
        services.find_feedback(session, ref[:-1] + str((int(ref[-1]) + 1) % 10))


def test_the_whole_life_of_a_feedback(session, make_feedback, make_officer) -> None:
    feedback = make_feedback()
    officer, colleague, other = make_officer("TRA"), make_officer("TRA"), make_officer("MOF")
    services.view_feedback(session, feedback, officer)
    services.start_feedback(session, feedback, officer)
    services.answer_feedback(session, feedback, officer, "TIN yako iko tayari.")
    assert services.rate_feedback(session, feedback, "0712345678", 1) is True
    services.appeal_feedback(session, feedback, "0712345678", "Bado sijaipata TIN")
    assert feedback.status == "appealed" and feedback.appeal_institution.code == "MOF"
    with pytest.raises(NotAllowed, match="did not give the first answer"):
        services.answer_feedback(session, feedback, officer, "Jibu lile lile")
    with pytest.raises(NotAllowed, match="institution it went to"):
        services.answer_feedback(session, feedback, colleague, "Jibu la mwenzake")
    services.answer_feedback(session, feedback, other, "Imeshughulikiwa upya.")
    services.close_feedback(session, feedback)
    session.commit()
    session.refresh(feedback)
    assert kinds(feedback) == ["created", "viewed", "status_changed", "answered", "rated",
                               "appealed", "answered", "closed"]
    assert [e.actor for e in feedback.events if e.kind == "viewed"] == [officer.name]
    assert sms_purposes(session, feedback) == ["reference", "interim", "answer", "appealed",
                                               "answer"]


def test_transfer_moves_back_to_received_and_names_both(session, make_feedback,
                                                        make_officer) -> None:
    feedback = make_feedback(institution_code="TRIAGE")
    officer = make_officer("TRIAGE")
    services.start_feedback(session, feedback, officer)
    services.transfer_feedback(session, feedback, officer, "TANESCO", "Ni suala la umeme")
    assert feedback.status == "received" and feedback.institution.code == "TANESCO"
    event = feedback.events[-1] if feedback.events[-1].kind == "transferred" else None
    last = session.scalars(select(Event).where(Event.kind == "transferred")).one()
    assert event is None or event is last
    assert last.data["from"] == "TRIAGE" and last.data["to"] == "TANESCO"
    assert sms_purposes(session, feedback) == ["reference", "transferred"]
    with pytest.raises(UnknownInstitution):
        services.transfer_feedback(session, feedback, make_officer("TANESCO"), "NOPE", "note")


def test_rejection_needs_a_reason_and_is_final(session, make_feedback, make_officer) -> None:
    feedback = make_feedback()
    officer = make_officer()
    with pytest.raises(InvalidFeedback):
        services.reject_feedback(session, feedback, officer, "")
    services.reject_feedback(session, feedback, officer, "Matusi tu")
    with pytest.raises(IllegalTransition):
        services.start_feedback(session, feedback, officer)


def test_an_officer_outside_the_institution_sees_nothing(session, make_feedback,
                                                          make_officer) -> None:
    feedback = make_feedback(institution_code="TRA")
    with pytest.raises(UnknownFeedback):
        services.view_feedback(session, feedback, make_officer("NIDA"))
    services.view_feedback(session, feedback, make_officer("MOF", role="head"))
    services.view_feedback(session, feedback, make_officer("NIDA", role="oversight"))


def test_appeal_only_from_the_submitting_number_and_in_time(session, make_feedback,
                                                            make_officer) -> None:
    feedback = make_feedback()
    with pytest.raises(IllegalTransition):
        services.appeal_feedback(session, feedback, "0712345678", "Sijajibiwa bado")
    services.answer_feedback(session, feedback, make_officer(), "Jibu letu.")
    with pytest.raises(NotAllowed):
        services.appeal_feedback(session, feedback, "0754000111", "Mimi si mwenyewe")
    late = utcnow() + timedelta(days=15)
    with pytest.raises(NotAllowed, match="window"):
        services.appeal_feedback(session, feedback, "0712345678", "Nimechelewa", now=late)


def test_ratings_are_one_to_five_and_only_after_an_answer(session, make_feedback,
                                                          make_officer) -> None:
    feedback = make_feedback()
    with pytest.raises(NotAllowed):
        services.rate_feedback(session, feedback, "0712345678", 5)
    services.answer_feedback(session, feedback, make_officer(), "Jibu letu.")
    with pytest.raises(InvalidFeedback):
        services.rate_feedback(session, feedback, "0712345678", 6)
    assert services.rate_feedback(session, feedback, "0712345678", 4) is False


def test_events_are_append_only(session, make_feedback) -> None:
    event = make_feedback().events[0]
    event.kind = "forged"
    with pytest.raises(NotAllowed):
        session.flush()
    session.rollback()
    with pytest.raises(NotAllowed):
        session.delete(session.get(Event, event.id))
        session.flush()


def test_opted_out_numbers_still_get_what_they_asked_for(session, make_feedback,
                                                         make_officer) -> None:
    """Issue 14: an opt-out stops campaigns and reminders, never the reference or answer."""
    from core.models import Subscriber

    session.add(Subscriber(phone="+255712345678", opted_out=True))
    session.commit()
    feedback = make_feedback()
    services.answer_feedback(session, feedback, make_officer(), "Jibu letu.")
    assert sms_purposes(session, feedback) == ["reference", "answer"]
