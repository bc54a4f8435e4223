"""Delivery reports: recorded on the OutboundMessage and in the feedback's audit trail, once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.models import Event, OutboundMessage
from tests.sms.conftest import AT_URL, PHONE, at_reply


@pytest.fixture
def sent(session, make_feedback, run_jobs, at_api):
    at_api.post(AT_URL, json=at_reply(message_id="ATXid_dlr"), status=201)
    feedback = make_feedback()
    run_jobs()
    return feedback


def report(client, status: str, reason: str = "", msg_id: str = "ATXid_dlr", **query: str):
    return client.post("/sms/africastalking/delivery", query_string=query, data={
        "id": msg_id, "status": status, "phoneNumber": PHONE, "networkCode": "64004",
        "failureReason": reason, "retryCount": "0"})


def _state(session, feedback_id: int) -> tuple[OutboundMessage, list[Event]]:
    session.expire_all()
    msg = session.scalar(select(OutboundMessage).where(OutboundMessage.provider_id == "ATXid_dlr"))
    events = list(session.scalars(select(Event).where(
        Event.feedback_id == feedback_id, Event.kind.in_(["sms_delivered", "sms_failed"]))))
    return msg, events


def test_a_delivered_report_is_recorded_once(client, session, sent) -> None:
    for status in ("Sent", "Buffered", "Success", "Success"):
        assert report(client, status).status_code == 200
    msg, events = _state(session, sent.id)
    assert msg.status == "delivered" and msg.delivered_at is not None
    assert [e.kind for e in events] == ["sms_delivered"]
    assert events[0].data["message_id"] == msg.id


@pytest.mark.parametrize(("status", "reason"), [("Failed", "UserInBlacklist"),
                                                ("Rejected", "DeliveryFailure"),
                                                ("AbsentSubscriber", ""), ("Expired", "")])
def test_a_failed_report_is_recorded_with_its_reason(client, session, sent, status,
                                                     reason) -> None:
    assert report(client, status, reason).status_code == 200
    assert report(client, status, reason).status_code == 200
    msg, events = _state(session, sent.id)
    assert msg.status == "failed" and status in msg.last_error and reason in msg.last_error
    assert [e.kind for e in events] == ["sms_failed"]
    assert events[0].data["reason"] == reason


def test_a_report_for_an_unknown_message_is_accepted_and_ignored(client, session) -> None:
    assert report(client, "Success", msg_id="ATXid_nobody").status_code == 200
    assert session.scalar(select(Event.id)) is None


@pytest.mark.parametrize("form", [{}, {"id": "ATXid_dlr"}, {"status": "Success"},
                                  {"id": " ", "status": "Success"}])
def test_a_malformed_report_gets_a_one_line_400(client, form) -> None:
    res = client.post("/sms/africastalking/delivery", data=form)
    assert res.status_code == 400 and res.get_data(as_text=True).count("\n") == 1


def test_the_callback_token_guards_delivery_reports(app, client, session, sent,
                                                    monkeypatch) -> None:
    monkeypatch.setitem(app.config, "CALLBACK_TOKEN", "s3cret")
    assert report(client, "Success").status_code == 403
    assert _state(session, sent.id)[0].status == "sent"
    assert report(client, "Success", token="s3cret").status_code == 200
    assert _state(session, sent.id)[0].status == "delivered"


def test_callbacks_answer_plain_text_as_documented(client) -> None:
    """The OpenAPI document says text/plain; an empty 200 used to go out as text/html."""
    unknown = report(client, "Success", msg_id="not-ours")
    inbound = client.post("/sms/africastalking/inbound", data={
        "id": "ATXid_ct", "from": PHONE, "to": "15200", "text": "MSAADA"})
    for response in (unknown, inbound):
        assert response.status_code == 200 and response.mimetype == "text/plain"
