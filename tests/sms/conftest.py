"""SMS fixtures: the aggregator's HTTP API faked with ``responses``, everything else real."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import responses
from rq.job import Job
from sqlalchemy import select

from core.models import OutboundMessage
from infra import kv

AT_URL = "https://api.africastalking.com/version1/messaging"
PHONE = "+255712345678"
_ids = itertools.count(1)


@pytest.fixture
def at_config(app, monkeypatch) -> dict[str, str]:
    creds = {"AT_USERNAME": "mrejesho", "AT_API_KEY": "test-key", "AT_SENDER_ID": "MREJESHO"}
    for key, value in creds.items():
        monkeypatch.setitem(app.config, key, value)
    return creds


@pytest.fixture
def at_api(at_config) -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def at_reply(status_code: int = 101, status: str = "Success", number: str = PHONE,
             message_id: str | None = None) -> dict[str, Any]:
    return {"SMSMessageData": {"Message": "Sent to 1/1 Total Cost: TZS 25.0000", "Recipients": [{
        "statusCode": status_code, "number": number, "status": status,
        "cost": "TZS 25.0000" if status_code == 101 else "0",
        "messageId": message_id or f"ATXid_{next(_ids)}" if status_code == 101 else "None"}]}}


@pytest.fixture
def post_sms(client) -> Callable[..., Any]:
    """Post an inbound SMS as Africa's Talking does; a fresh aggregator id unless given."""
    def post(text: str, phone: str = PHONE, msg_id: str | None = None, **query: str) -> Any:
        form = {"from": phone, "to": "15200", "text": text, "date": "2026-11-22 10:00:00",
                "id": msg_id or f"ATXid_in_{next(_ids)}", "linkId": "", "networkCode": "64004"}
        return client.post("/sms/africastalking/inbound", data=form, query_string=query)
    return post


@pytest.fixture
def outbox(session) -> Callable[..., list[OutboundMessage]]:
    def rows(phone: str = PHONE, purpose: str | None = None) -> list[OutboundMessage]:
        session.expire_all()
        q = select(OutboundMessage).where(OutboundMessage.phone == phone)
        if purpose:
            q = q.where(OutboundMessage.purpose == purpose)
        return list(session.scalars(q.order_by(OutboundMessage.id)))
    return rows


@pytest.fixture
def release_retries(app) -> Callable[[], int]:
    """Move jobs waiting out their back-off onto the queue now, as the scheduler would later."""
    def release() -> int:
        queue = kv.queue(app)
        ids = queue.scheduled_job_registry.get_job_ids()
        for jid in ids:
            queue.scheduled_job_registry.remove(jid)
            queue.enqueue_job(Job.fetch(jid, connection=queue.connection))
        return len(ids)
    return release
