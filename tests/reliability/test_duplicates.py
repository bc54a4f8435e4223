"""Aggregator retries and duplicates of every callback, also concurrent: processed once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from core.models import InboundMessage, OutboundMessage
from tests.reliability.conftest import assert_mounted
from tests.reliability.phone import SUBMIT, Phone, counts


def concurrently(n: int, call: Callable[[], Any]) -> list[Any]:
    """Run ``call`` in ``n`` threads released together; every result (or error) returned."""
    barrier, results = threading.Barrier(n), [None] * n

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = call()
        except BaseException as exc:  # noqa: BLE001 - asserted by the caller
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def _count(app, model, *where) -> int:
    with app.extensions["db"].sessionmaker() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_concurrent_retries_of_the_submit_hop_make_one_feedback(fault_env) -> None:
    app = fault_env["app"]
    assert_mounted(app, "/ussd/africastalking")
    phone = Phone(app.test_client())
    phone.dial()
    for value in SUBMIT:
        phone.send(value)
    phone.inputs.append("1")
    bodies = concurrently(8, lambda: Phone(app.test_client())._post_as(phone))
    assert all(isinstance(b, str) for b in bodies), bodies
    assert len(set(bodies)) == 1 and bodies[0].startswith("END ")
    assert counts(app) == (1, 1, 1)


def test_duplicate_end_of_session_notices_send_one_sms(fault_env) -> None:
    app = fault_env["app"]
    assert_mounted(app, "/ussd/africastalking/events")
    phone = Phone(app.test_client())
    phone.dial()
    for value in SUBMIT[:5]:
        phone.send(value)
    form = {"sessionId": phone.session_id, "phoneNumber": phone.number, "status": "Incomplete",
            "input": "x", "hopsCount": "6", "durationInMillis": "9000", "serviceCode": "*152*00#"}

    def notice() -> int:
        return int(app.test_client().post("/ussd/africastalking/events", data=form).status_code)

    assert concurrently(6, notice) == [200] * 6
    assert notice() == 200
    assert _count(app, OutboundMessage, OutboundMessage.purpose == "draft_kept") == 1


INBOUND = {"from": "+255712345678", "to": "15200", "text": "LALAMIKO TRA: Nimesubiri TIN",
           "date": "2026-11-22 10:00:00", "id": "ATXid_dup_1", "linkId": "", "networkCode": "63902"}


def test_duplicate_inbound_sms_is_stored_and_handled_once(fault_env) -> None:
    app = fault_env["app"]
    assert_mounted(app, "/sms/africastalking/inbound")

    def post() -> int:
        return int(app.test_client().post("/sms/africastalking/inbound",
                                          data=INBOUND).status_code)

    assert concurrently(6, post) == [200] * 6
    assert post() == 200
    assert _count(app, InboundMessage) == 1
    assert counts(app)[0] == 1


@pytest.mark.parametrize("status", ["Success", "Failed"])
def test_duplicate_delivery_reports_are_recorded_once(fault_env, status) -> None:
    app = fault_env["app"]
    assert_mounted(app, "/sms/africastalking/delivery")
    with app.extensions["db"].sessionmaker() as s:
        msg = OutboundMessage(phone="+255712345678", text="x", purpose="reference",
                              status="sent", provider_id="ATXid_dlr_1", attempts=1)
        s.add(msg)
        s.commit()
        msg_id = msg.id
    form = {"id": "ATXid_dlr_1", "status": status, "phoneNumber": "+255712345678",
            "networkCode": "63902", "failureReason": "" if status == "Success" else
            "UserInBlacklist", "retryCount": "0"}

    def post() -> int:
        return int(app.test_client().post("/sms/africastalking/delivery",
                                          data=form).status_code)

    assert concurrently(6, post) == [200] * 6
    assert post() == 200
    with app.extensions["db"].sessionmaker() as s:
        msg = s.get(OutboundMessage, msg_id)
        assert msg.status.lower() in ("delivered", "success", "failed")
        assert msg.attempts == 1


def test_concurrent_beem_retries_of_the_submit_make_one_feedback(fault_env) -> None:
    app = fault_env["app"]
    assert_mounted(app, "/ussd/beem")

    def beem(command: str, request_id: int, response: str) -> dict:
        resp = app.test_client().post("/ussd/beem", json={
            "command": command, "msisdn": "255712345678", "session_id": "beem-dup-1",
            "operator": "vodacom", "payload": {"request_id": request_id, "response": response}})
        assert resp.status_code == 200, resp.data
        return resp.json

    beem("initiate", 1, "*152*00#")
    for n, value in enumerate(SUBMIT, start=2):
        beem("continue", n, value)
    last = len(SUBMIT) + 2
    replies = concurrently(6, lambda: beem("continue", last, "1"))
    assert all(isinstance(r, dict) for r in replies), replies
    assert len({r["payload"]["request"] for r in replies}) == 1
    assert replies[0]["command"] == "terminate"
    assert counts(app) == (1, 1, 1)
