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
