"""An rq worker SIGKILLed mid-job: the job is retried by another worker, one SMS goes out."""

from __future__ import annotations

import time

import pytest
import redis
from rq import Queue
from rq.job import Job
from rq.registry import StartedJobRegistry
from sqlalchemy import select, text

from bench.processes import Process, app_env, worker_cmd
from core.models import OutboundMessage
from core.services import Submission, submit_feedback
from infra.kv import QUEUE_NAME


def _worker(env_urls: dict[str, str], burst: bool, log_path,
            worker_class: str = "web.worker.SendWorker") -> Process:
    """An rq worker of our own on the suite's servers, in a session of its own."""
    env = app_env(env_urls["DATABASE_URL"], env_urls["REDIS_URL"], drop=("MREJESHO_AT_",))
    env.update(env_urls)
    return Process(worker_cmd(env_urls["REDIS_URL"], QUEUE_NAME, worker_class, burst), env,
                   log_path).start()


def _blocked_on_lock(engine) -> bool:
    with engine.connect() as conn:  # a fresh snapshot of pg_stat_activity each time
        return bool(conn.execute(text(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND query ILIKE 'UPDATE outbound_message%'")).scalar())


@pytest.mark.parametrize("worker_class", ["web.worker.SendWorker", "web.worker.AppWorker"])
def test_sigkilled_worker_job_is_retried_and_sends_once(fault_env, wait_until, tmp_path,
                                                        worker_class: str) -> None:
    app, pg, rd = fault_env["app"], fault_env["pg"], fault_env["redis"]
    urls = {"DATABASE_URL": pg.url, "REDIS_URL": rd.url}
    with app.extensions["db"].sessionmaker() as s:
        submit_feedback(s, Submission(kind="complaint", channel="sms", institution_code="TRA",
                                      description="Nimesubiri TIN", phone="0712345678"))
        s.commit()
        msg_id = s.scalar(select(OutboundMessage.id))
    conn_redis = redis.Redis.from_url(rd.url)
    queue = Queue(QUEUE_NAME, connection=conn_redis)
    job_id = queue.job_ids[0]
    engine = app.extensions["db"].engine
    with engine.connect() as locker:
        locker.begin()
        locker.execute(text("SELECT id FROM outbound_message WHERE id = :i FOR UPDATE"),
                       {"i": msg_id})
        worker = _worker(urls, burst=False, log_path=tmp_path / "w1.log",
                         worker_class=worker_class)
        try:
            try:
                wait_until(lambda: _blocked_on_lock(engine), timeout=30)
            except AssertionError:
                worker.kill_tree()
                raise AssertionError((tmp_path / "w1.log").read_text()[-3000:]) from None
            assert Job.fetch(job_id, connection=conn_redis).get_status() == "started"
        finally:
            worker.kill_tree()  # the horse is in its own process group: killed too
        locker.rollback()
    time.sleep(0.5)
    # Fast-forward past the dead worker's heartbeat: rq's own maintenance requeues it.
    StartedJobRegistry(queue=queue).cleanup(timestamp=time.time() + 3600)
    for jid in queue.scheduled_job_registry.get_job_ids():   # as the scheduler would, later
        queue.scheduled_job_registry.remove(jid)
        queue.enqueue_job(Job.fetch(jid, connection=conn_redis))
    assert job_id in queue.job_ids
    second = _worker(urls, burst=True, log_path=tmp_path / "w2.log", worker_class=worker_class)
    assert second.wait(60) == 0, (tmp_path / "w2.log").read_text()[-3000:]
    with app.extensions["db"].sessionmaker() as s:
        msg = s.get(OutboundMessage, msg_id)
        assert msg.status in ("sent", "delivered") and msg.attempts == 1
        assert s.scalar(select(OutboundMessage.id).where(OutboundMessage.id != msg_id)) is None
    assert Job.fetch(job_id, connection=conn_redis).get_status() == "finished"
