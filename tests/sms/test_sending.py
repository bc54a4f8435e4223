"""Outbound SMS through the real africastalking SDK (only its HTTP faked) and a real rq worker."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs

import pytest
import requests
import responses
from sqlalchemy import select

from core import gsm
from core.models import Event, OutboundMessage, utcnow
from core.notify import queue_sms
from sms.jobs import MAX_ATTEMPTS, send_message, sweep_queued_messages
from tests.sms.conftest import AT_URL, PHONE, at_reply


def _queue(session, text: str = "Asante. Kumb. 1234567897", feedback=None) -> OutboundMessage:
    msg = queue_sms(session, phone=PHONE, text=text, purpose="reply", feedback=feedback)
    session.commit()
    return msg


def _reload(session, msg: OutboundMessage) -> OutboundMessage:
    session.expire_all()
    return session.get(OutboundMessage, msg.id)


def _events(session, feedback_id: int) -> list[str]:
    session.expire_all()
    return list(session.scalars(select(Event.kind).where(Event.feedback_id == feedback_id)
                                .order_by(Event.id)))


def test_with_no_credentials_the_outbox_takes_it(session, run_jobs) -> None:
    msg = _queue(session)
    run_jobs()
    msg = _reload(session, msg)
    assert (msg.status, msg.provider_id, msg.attempts) == ("sent", f"outbox-{msg.id}", 1)


def test_sent_through_africastalking_with_the_sender_id(session, run_jobs, at_api,
                                                        make_feedback) -> None:
    at_api.post(AT_URL, json=at_reply(message_id="ATXid_ok_1"), status=201)
    feedback = make_feedback()
    run_jobs()
    [msg] = session.scalars(select(OutboundMessage)).all()
    msg = _reload(session, msg)
    assert (msg.status, msg.provider_id, msg.attempts) == ("sent", "ATXid_ok_1", 1)
    assert msg.sent_at is not None and msg.last_error is None
    [call] = at_api.calls
    form = parse_qs(call.request.body)
    assert form["to"] == [PHONE] and form["from"] == ["MREJESHO"]
    assert form["username"] == ["mrejesho"] and call.request.headers["apiKey"] == "test-key"
    assert form["message"] == [msg.text]
    assert _events(session, feedback.id)[-1] == "sms_sent"


@pytest.mark.parametrize("failure", [
    {"status": 500, "body": "Internal Server Error"},
    {"status": 503, "body": "Service Unavailable"},
    {"body": requests.exceptions.ConnectTimeout("connect timed out")},
    {"body": requests.exceptions.ReadTimeout("read timed out")},
    {"body": requests.exceptions.ConnectionError("connection refused")},
    {"status": 201, "json": at_reply(500, "InternalServerError")},
    {"status": 201, "json": at_reply(407, "CouldNotRoute")},
])
def test_network_errors_and_5xx_are_retried_with_back_off(session, run_jobs, at_api,
                                                          release_retries, failure) -> None:
    at_api.post(AT_URL, **failure)
    msg = _queue(session)
    run_jobs()
    msg = _reload(session, msg)
    assert (msg.status, msg.attempts) == ("queued", 1) and msg.last_error
    at_api.replace(responses.POST, AT_URL, json=at_reply(message_id="ATXid_retry"), status=201)
    assert release_retries() == 1  # waiting out its back-off, not lost
    run_jobs()
    msg = _reload(session, msg)
    assert (msg.status, msg.attempts, msg.provider_id) == ("sent", 2, "ATXid_retry")
    assert msg.last_error is None


@pytest.mark.parametrize(("code", "status"), [(403, "InvalidPhoneNumber"),
                                              (406, "UserInBlacklist"),
                                              (404, "UnsupportedNumberType"),
                                              (409, "DoNotDisturbRejection")])
def test_a_per_recipient_refusal_is_final(session, run_jobs, at_api, release_retries,
                                          make_feedback, code, status) -> None:
    at_api.post(AT_URL, json=at_reply(code, status), status=201)
    feedback = make_feedback()
    run_jobs()
    assert release_retries() == 0
    [msg] = session.scalars(select(OutboundMessage)).all()
    msg = _reload(session, msg)
    assert (msg.status, msg.attempts) == ("failed", 1) and status in msg.last_error
    assert len(at_api.calls) == 1
    assert _events(session, feedback.id)[-1] == "sms_failed"


def test_retries_stop_after_the_last_attempt(session, run_jobs, at_api, release_retries) -> None:
    at_api.post(AT_URL, status=502, body="Bad Gateway")
    msg = _queue(session)
    run_jobs()
    while release_retries():
        run_jobs()
    msg = _reload(session, msg)
    assert (msg.status, msg.attempts) == ("failed", MAX_ATTEMPTS)
    assert "502" in msg.last_error or "Bad Gateway" in msg.last_error
    assert len(at_api.calls) == MAX_ATTEMPTS


def test_a_job_for_a_message_already_sent_does_nothing(app, session, run_jobs, at_api) -> None:
    at_api.post(AT_URL, json=at_reply(), status=201)
    msg = _queue(session)
    run_jobs()
    with app.app_context():
        assert send_message(msg.id) == "skipped"
        assert send_message(10_000_000) == "skipped"
    assert len(at_api.calls) == 1 and _reload(session, msg).attempts == 1


def test_an_overlong_text_goes_out_in_at_most_two_gsm7_segments(session, run_jobs,
                                                                at_api) -> None:
    at_api.post(AT_URL, json=at_reply(), status=201)
    msg = _queue(session, text="Jibu ‘refu’ sana — " + "maneno mengi " * 80)
    run_jobs()
    sent = parse_qs(at_api.calls[0].request.body)["message"][0]
    assert gsm.is_gsm7(sent) and gsm.segments(sent) == 2 and sent.endswith("...")
    assert _reload(session, msg).text == sent


def test_the_sweeper_resends_only_what_was_left_queued(app, session, run_jobs,
                                                       redis_client) -> None:
    old = _queue(session)
    fresh = _queue(session)
    redis_client.flushdb()  # as if Redis had lost the jobs (or was down at commit)
    old.created_at = utcnow() - timedelta(minutes=10)
    session.commit()
    with app.app_context():
        assert sweep_queued_messages() == 1
        assert sweep_queued_messages() == 0  # its job is live: not enqueued twice
    run_jobs()
    assert _reload(session, old).status == "sent"
    assert _reload(session, fresh).status == "queued"


def test_the_sweeper_resends_a_job_its_worker_took_but_never_started(app, session, run_jobs,
                                                                    redis_client) -> None:
    """A worker SIGKILLed just after taking a job leaves it "queued" off the queue (seen in
    make chaos): rq's intermediate list, which rq itself cleans only every 10 minutes."""
    from rq.intermediate_queue import IntermediateQueue

    from infra import kv

    msg = _queue(session)  # committed, so its job is in the queue
    queue = kv.queue(app)
    redis_client.lmove(queue.key, IntermediateQueue(queue.key, connection=queue.connection).key)
    msg.created_at = utcnow() - timedelta(minutes=10)
    session.commit()
    with app.app_context():
        assert sweep_queued_messages() == 1
        assert sweep_queued_messages() == 0  # back in the queue: live again
    run_jobs()
    assert _reload(session, msg).status == "sent"


def test_the_sweeper_handles_an_inbound_message_stored_but_not_handled(app, session,
                                                                       run_jobs) -> None:
    from core.models import Feedback, InboundMessage

    session.add(InboundMessage(provider="africastalking", provider_id="ATXid_crash",
                               phone=PHONE, text="LALAMIKO TRA: kodi kubwa mno",
                               received_at=utcnow() - timedelta(minutes=10)))
    session.commit()
    with app.app_context():
        assert sweep_queued_messages() == 1
        assert sweep_queued_messages() == 0
    session.expire_all()
    assert session.scalar(select(Feedback.description)) == "kodi kubwa mno"


@pytest.mark.parametrize(("value", "expected"), [(None, (3.05, 10.0)), (5, (3.05, 5.0)),
                                                 ("2", (2.0, 2.0)), ([1, 4], (1.0, 4.0)),
                                                 ("nonsense", (3.05, 10.0))])
def test_the_sdk_timeout_comes_from_config(value, expected) -> None:
    from sms.sender import AfricasTalkingSender, sender_for

    sender = sender_for({"AT_USERNAME": "u", "AT_API_KEY": "k", "AT_TIMEOUT": value})
    assert isinstance(sender, AfricasTalkingSender) and sender.timeout == expected


def test_the_sdk_is_called_with_the_timeout(session, run_jobs, at_api, app,
                                            monkeypatch) -> None:
    monkeypatch.setitem(app.config, "AT_TIMEOUT", [1.5, 4])
    at_api.post(AT_URL, json=at_reply(), status=201)
    _queue(session)
    run_jobs()
    assert at_api.calls[0].request.req_kwargs["timeout"] == (1.5, 4.0)
