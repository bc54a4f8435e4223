"""The rq worker outlives a Redis outage; the sweeper revives work whose job is gone or stale."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import redis
from rq import Queue
from rq.job import Job
from sqlalchemy import select, text, update

from core.models import OutboundMessage
from core.services import Submission, submit_feedback
from infra.kv import QUEUE_NAME
from sms.jobs import job_id, send_message, sweep_queued_messages
from tests.reliability.test_worker_killed import _blocked_on_lock, _worker


def _submit(app, phone: str = "0712345678") -> int:
    """A feedback by SMS; the id of its reference SMS (queued, its job enqueued)."""
    with app.extensions["db"].sessionmaker() as s:
        feedback = submit_feedback(s, Submission(
            kind="complaint", channel="sms", institution_code="TRA",
            description="Nimesubiri TIN", phone=phone))
        s.commit()
        return int(s.scalar(select(OutboundMessage.id)
                            .where(OutboundMessage.feedback_id == feedback.id)) or 0)


def _status(app, message_id: int) -> str:
    with app.extensions["db"].sessionmaker() as s:
        return str(s.scalar(select(OutboundMessage.status).where(OutboundMessage.id == message_id)))


def _urls(fault_env) -> dict[str, str]:
    return {"DATABASE_URL": fault_env["pg"].url, "REDIS_URL": fault_env["redis"].url,
            "MREJESHO_WORKER_HEARTBEAT": "1"}


def _make_old(app, message_id: int) -> None:
    """As if queued ten minutes ago: past the sweeper's patience."""
    with app.extensions["db"].sessionmaker() as s:
        s.execute(update(OutboundMessage).where(OutboundMessage.id == message_id)
                  .values(created_at=datetime.now(UTC) - timedelta(minutes=10)))
        s.commit()


def test_the_worker_waits_out_a_redis_outage_mid_job_and_carries_on(
        fault_env, wait_until, tmp_path) -> None:
    app, rd = fault_env["app"], fault_env["redis"]
    first = _submit(app)
    engine = app.extensions["db"].engine
    worker = _worker(_urls(fault_env), burst=False, log_path=tmp_path / "w.log")
    try:
        with engine.connect() as locker:                 # the job runs, held on its row
            locker.begin()
            locker.execute(text("SELECT id FROM outbound_message WHERE id = :i FOR UPDATE"),
                           {"i": first})
            wait_until(lambda: _blocked_on_lock(engine), timeout=30)
            rd.stop()                                      # Redis goes away mid-job
            locker.rollback()
        wait_until(lambda: _status(app, first) == "sent", timeout=30)
        time.sleep(2)                                      # its bookkeeping fails meanwhile
        assert worker.poll() is None, (tmp_path / "w.log").read_text()[-3000:]
        rd.start()                                         # back, empty (no persistence)
        second = _submit(app, "0712345679")
        wait_until(lambda: _status(app, second) == "sent", timeout=60)
        assert worker.poll() is None
    finally:
        worker.kill_tree()
    with app.extensions["db"].sessionmaker() as s:
        assert s.scalar(select(OutboundMessage.attempts).where(OutboundMessage.id == first)) == 1


def test_the_sweeper_revives_the_job_of_a_killed_worker_not_of_a_live_one(
        fault_env, wait_until, tmp_path, monkeypatch) -> None:
    app, rd = fault_env["app"], fault_env["redis"]
    monkeypatch.setitem(app.config, "WORKER_HEARTBEAT", 1)
    queue = Queue(QUEUE_NAME, connection=redis.Redis.from_url(rd.url))
    message = _submit(app)
    _make_old(app, message)
    engine = app.extensions["db"].engine
    with engine.connect() as locker:
        locker.begin()
        locker.execute(text("SELECT id FROM outbound_message WHERE id = :i FOR UPDATE"),
                       {"i": message})
        worker = _worker(_urls(fault_env), burst=False, log_path=tmp_path / "w1.log",
                         worker_class="web.worker.AppWorker")  # a forking one: its parent beats
        try:
            wait_until(lambda: _blocked_on_lock(engine), timeout=30)
            time.sleep(3.5)                                # a live worker keeps beating
            with app.app_context():
                assert sweep_queued_messages() == 0
            assert job_id(message) not in queue.job_ids
        finally:
            worker.kill_tree()                                  # and the horse with it
        with app.app_context():  # revived once three heartbeats are missed (a loaded CI
            wait_until(lambda: sweep_queued_messages() == 1, timeout=15)  # may be late)
        assert job_id(message) in queue.job_ids
        locker.rollback()
    second = _worker(_urls(fault_env), burst=True, log_path=tmp_path / "w2.log")
    assert second.wait(60) == 0, (tmp_path / "w2.log").read_text()[-3000:]
    assert _status(app, message) == "sent"


def test_the_sweeper_revives_a_scheduled_job_long_overdue_not_a_future_one(fault_env) -> None:
    app, rd = fault_env["app"], fault_env["redis"]
    queue = Queue(QUEUE_NAME, connection=redis.Redis.from_url(rd.url))
    overdue, future = _submit(app), _submit(app, "0712345679")
    for message, when in ((overdue, timedelta(minutes=-10)), (future, timedelta(hours=1))):
        _make_old(app, message)
        Job.fetch(job_id(message), connection=queue.connection).delete()
        queue.enqueue_at(datetime.now(UTC) + when, send_message, message,
                         job_id=job_id(message))        # a retry's back-off, as rq keeps it
    assert queue.job_ids == []
    with app.app_context():                             # no scheduler ever moved the first
        assert sweep_queued_messages() == 1
    assert queue.job_ids == [job_id(overdue)]
