"""The SMS provider failing: retries with back-off, a give-up, every attempt recorded.

Only Africa's Talking's HTTP API is faked (``responses``), so the real SDK runs.
"""

from __future__ import annotations

import re
import time

import pytest
import requests
import responses
from rq.job import Job
from sqlalchemy import select

from core.models import OutboundMessage
from core.services import Submission, submit_feedback
from infra import kv
from tests.reliability.conftest import assert_mounted
from tests.reliability.phone import SUBMIT, Phone

AT_SMS = re.compile(r"https://api\.(sandbox\.)?africastalking\.com/version1/messaging.*")


def _ok(number: str = "+255712345678", status: str = "Success", code: int = 101) -> dict:
    return {"SMSMessageData": {"Message": "Sent to 1/1", "Recipients": [{
        "statusCode": code, "number": number, "status": status, "cost": "TZS 20.0000",
        "messageId": "ATXid_rel_1"}]}}


@pytest.fixture
def at_app(app, monkeypatch):
    for key, value in {"AT_USERNAME": "sandbox", "AT_API_KEY": "atsk_test",
                       "AT_SENDER_ID": None}.items():
        monkeypatch.setitem(app.config, key, value)
    return app


def _message(session) -> OutboundMessage:
    submit_feedback(session, Submission(kind="complaint", channel="sms", institution_code="TRA",
                                        description="Nimesubiri TIN", phone="0712345678"))
    session.commit()
    return session.scalar(select(OutboundMessage))


def _run_until_settled(app, run_jobs, rounds: int = 12) -> None:
    """Run the queue; move retries scheduled for later to now, as time passing would."""
    queue = kv.queue(app)
    for _ in range(rounds):
        run_jobs()
        scheduled = queue.scheduled_job_registry.get_job_ids()
        if not scheduled:
            return
        for jid in scheduled:
            queue.scheduled_job_registry.remove(jid)
            queue.enqueue_job(Job.fetch(jid, connection=kv.client(app)))


def _assert_sent_through_the_provider(session, msg_id: int) -> None:
    """The message went to Africa's Talking, not to the outbox: else the figures hold nothing."""
    session.expire_all()
    msg = session.get(OutboundMessage, msg_id)
    assert not (msg.provider_id or "").startswith("outbox-"), "sent to the outbox, not the API"


@pytest.mark.parametrize("failure", ["timeout", "5xx", "recipient"])
def test_provider_failures_retry_then_give_up_recording_every_attempt(
        at_app, session, run_jobs, failure) -> None:
    msg = _message(session)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        if failure == "timeout":
            rsps.add(responses.POST, AT_SMS, body=requests.exceptions.ConnectTimeout("slow"))
        elif failure == "5xx":
            rsps.add(responses.POST, AT_SMS, status=503, body="Service Unavailable")
        else:
            rsps.add(responses.POST, AT_SMS, status=201,
                     json=_ok(status="InternalServerError", code=500))
        _run_until_settled(at_app, run_jobs)
        calls = len(rsps.calls)
    _assert_sent_through_the_provider(session, msg.id)
    session.expire_all()
    msg = session.get(OutboundMessage, msg.id)
    assert msg.status == "failed" and msg.last_error
    assert calls == msg.attempts > 1                 # each attempt made and recorded
    assert msg.attempts <= 10                        # it gives up


def test_a_transient_failure_then_success_sends_once(at_app, session, run_jobs) -> None:
    msg = _message(session)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add(responses.POST, AT_SMS, status=500, body="oops")
        rsps.add(responses.POST, AT_SMS, status=201, json=_ok())
        _run_until_settled(at_app, run_jobs)
        calls = len(rsps.calls)
    _assert_sent_through_the_provider(session, msg.id)
    session.expire_all()
    msg = session.get(OutboundMessage, msg.id)
    assert msg.status in ("sent", "delivered") and msg.provider_id == "ATXid_rel_1"
    assert calls == msg.attempts == 2


def test_a_hung_provider_never_blocks_a_ussd_hop(at_app, client) -> None:
    assert_mounted(at_app, "/ussd/africastalking")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add(responses.POST, AT_SMS, body=requests.exceptions.ReadTimeout("hung"))
        phone = Phone(client)
        phone.dial()
        for value in SUBMIT:
            phone.send(value)
        started = time.perf_counter()
        done = phone.send("1")
        elapsed = time.perf_counter() - started
        assert len(rsps.calls) == 0                  # the hop only enqueues
    assert done.startswith("END ") and re.search(r"\d{10}", done)
    assert elapsed < 1.0
