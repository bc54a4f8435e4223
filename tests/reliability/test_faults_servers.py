"""Servers stopped and started under the app: readiness tells, nothing is half-written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from core.models import Feedback, OutboundMessage
from core.services import Submission, submit_feedback


def _sub(text: str = "Maji hayatoki kwa wiki mbili") -> Submission:
    return Submission(kind="complaint", channel="ussd", institution_code="TRA",
                      description=text, phone="+255712345678")


def _count(app, model=Feedback) -> int:
    with app.extensions["db"].sessionmaker() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_readiness_follows_redis_and_postgres(fault_env) -> None:
    app, pg, rd = fault_env["app"], fault_env["pg"], fault_env["redis"]
    client = app.test_client()
    assert client.get("/readyz").status_code == 200
    rd.stop()
    resp = client.get("/readyz")
    assert resp.status_code == 503 and resp.json["redis"] == "unavailable"
    rd.start()
    assert client.get("/readyz").status_code == 200
    pg.stop()
    resp = client.get("/readyz")
    assert resp.status_code == 503 and resp.json["database"] == "unavailable"
    pg.start()
    assert client.get("/readyz").status_code == 200


def test_postgres_stopped_during_a_submit_writes_nothing_then_one(fault_env) -> None:
    app, pg = fault_env["app"], fault_env["pg"]
    maker = app.extensions["db"].sessionmaker
    session = maker()
    submit_feedback(session, _sub())            # flushed inside an open transaction
    pg.stop()
    with pytest.raises(DBAPIError):
        session.commit()
    session.rollback()
    session.close()
    pg.start()
    assert _count(app) == 0 and _count(app, OutboundMessage) == 0
    with maker() as s:
        submit_feedback(s, _sub())
        s.commit()
    assert _count(app) == 1


def test_redis_down_at_commit_keeps_the_feedback_and_its_sms_queued(fault_env, caplog) -> None:
    app, rd = fault_env["app"], fault_env["redis"]
    rd.stop()
    with app.extensions["db"].sessionmaker() as s:
        feedback = submit_feedback(s, _sub())
        s.commit()                                 # the rq enqueue fails after the commit
    rd.start()
    assert _count(app) == 1
    with app.extensions["db"].sessionmaker() as s:
        statuses = s.scalars(select(OutboundMessage.status)
                             .where(OutboundMessage.feedback_id == feedback.id)).all()
    assert statuses == ["queued"]
    assert "stay queued" in caplog.text
    assert "712345678" not in caplog.text


INBOUND = {"from": "+255712345678", "to": "15200", "id": "ATXid_fault_1",
           "text": "LALAMIKO TRA: Nimesubiri TIN wiki tatu", "date": "2026-11-22 10:00:00",
           "linkId": "", "networkCode": "63902"}


def test_inbound_sms_while_postgres_is_down_is_refused_then_taken_once(fault_env) -> None:
    from tests.reliability.conftest import assert_mounted

    app, pg = fault_env["app"], fault_env["pg"]
    assert_mounted(app, "/sms/africastalking/inbound")
    client = app.test_client()
    pg.stop()
    try:
        during = client.post("/sms/africastalking/inbound", data=INBOUND)
    finally:
        pg.start()
    assert during.status_code == 503 and b"Traceback" not in during.data  # it retries a 5xx
    for _ in range(2):                                 # its retry, and a duplicate of it
        assert client.post("/sms/africastalking/inbound", data=INBOUND).status_code == 200
    assert _count(app) == 1


def test_inbound_sms_while_redis_is_down_is_stored_and_answered_later(fault_env) -> None:
    from core.models import InboundMessage
    from tests.reliability.conftest import assert_mounted

    app, rd = fault_env["app"], fault_env["redis"]
    assert_mounted(app, "/sms/africastalking/inbound")
    rd.stop()
    try:
        resp = app.test_client().post("/sms/africastalking/inbound", data=INBOUND)
    finally:
        rd.start()
    assert resp.status_code == 200
    assert _count(app, InboundMessage) == 1 and _count(app) == 1
    with app.extensions["db"].sessionmaker() as s:
        assert s.scalars(select(OutboundMessage.status)).all() == ["queued"]
