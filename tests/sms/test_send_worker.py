"""The threaded SendWorker: several SMS in flight at once, each message still sent once.

A forking worker ran one send at a time, so a provider answering in 200 ms capped a
worker at five SMS a second. These tests hold what the speed must not cost.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta

from rq.job import Job
from sqlalchemy import func, select

from core.models import Event, OutboundMessage
from core.notify import queue_sms
from infra import kv
from sms.jobs import enqueue_messages, sweep_queued_messages
from tests.sms.conftest import AT_URL, at_reply
from web.worker import SendWorker


def _queue_many(session, n: int) -> list[int]:
    ids = [queue_sms(session, phone=f"+2557120000{i:02d}", text=f"Asante {i}",
                     purpose="reply").id for i in range(n)]
    session.commit()  # the app's dispatcher enqueues one job per message on commit
    return ids


def _burst(app, threads: int, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "WORKER_THREADS", threads)
    worker = SendWorker([kv.queue(app)], connection=kv.client(app), app=app)
    worker.work(burst=True, logging_level="WARNING")


def test_every_message_is_sent_once_across_the_threads(app, session, monkeypatch) -> None:
    ids = _queue_many(session, 30)
    enqueue_messages(kv.queue(app), ids[:10])  # a duplicate job, as the sweeper may add
    _burst(app, 6, monkeypatch)
    session.expire_all()
    rows = session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)).all()
    assert [(m.status, m.attempts) for m in rows] == [("sent", 1)] * 30
    finished = kv.queue(app).finished_job_registry.get_job_ids()  # batches and single jobs
    workers = {job.worker_name for job in Job.fetch_many(finished, connection=kv.client(app))
               if job is not None}
    assert len(workers) > 1, "every job ran on one thread"
    assert session.scalar(select(func.count()).select_from(Event)) == 0  # no feedback: none


def test_sends_to_a_slow_provider_overlap(app, session, at_api, monkeypatch) -> None:
    in_flight, most = [0], [0]
    lock = threading.Lock()

    def slow(request):
        with lock:
            in_flight[0] += 1
            most[0] = max(most[0], in_flight[0])
        time.sleep(0.2)
        with lock:
            in_flight[0] -= 1
        return 201, {"Content-Type": "application/json"}, json.dumps(
            at_reply(number=_number(request.body)))

    at_api.add_callback("POST", AT_URL, callback=slow)
    _queue_many(session, 8)
    _burst(app, 8, monkeypatch)
    session.expire_all()
    assert [m.status for m in session.scalars(select(OutboundMessage))] == ["sent"] * 8
    assert most[0] > 1, "the sends went one at a time"


def _number(body: str | bytes) -> str:
    from urllib.parse import parse_qs

    text = body.decode() if isinstance(body, bytes) else body
    return parse_qs(text)["to"][0]


def test_a_running_send_worker_stops_when_asked_with_all_its_threads(app, session,
                                                                     monkeypatch) -> None:
    """No signal reaches a thread: the workers must leave their wait on the queue to stop."""
    monkeypatch.setitem(app.config, "WORKER_THREADS", 4)
    ids = _queue_many(session, 5)
    worker = SendWorker([kv.queue(app)], connection=kv.client(app), app=app, worker_ttl=16)

    def stop_when_sent() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with app.extensions["db"].sessionmaker() as s:
                if s.scalar(select(func.count()).where(OutboundMessage.status == "sent")) == 5:
                    break
            time.sleep(0.1)
        worker._stop_requested = True

    threading.Thread(target=stop_when_sent, daemon=True).start()
    worker.work(burst=False, logging_level="WARNING")  # returns only once every thread stopped
    assert not any(t.name.startswith("rq-send-") for t in threading.enumerate())
    assert len(ids) == 5


def test_a_send_blocked_past_the_sweepers_grace_keeps_its_heartbeat(app, session, at_api,
                                                                    monkeypatch) -> None:
    """A thread waiting on the provider beats for its job, so the sweeper leaves it alone.

    With one heartbeat a second the sweeper gives a started job 3 s; both sends (the main
    thread's and a sibling's) are held for longer than that before the sweep.
    """
    monkeypatch.setitem(app.config, "WORKER_HEARTBEAT", 1)
    release, waiting = threading.Event(), threading.Semaphore(0)

    def held(request):
        waiting.release()
        release.wait(20)
        return 201, {"Content-Type": "application/json"}, json.dumps(
            at_reply(number=_number(request.body)))

    at_api.add_callback("POST", AT_URL, callback=held)
    ids, swept = _queue_many(session, 2), []

    def sweep_while_held() -> None:  # the worker owns the main thread (its signals)
        try:
            if waiting.acquire(timeout=20) and waiting.acquire(timeout=20):
                time.sleep(4.5)  # past the 3 s grace
                with app.app_context():
                    swept.append(sweep_queued_messages(timedelta(0)))
        finally:
            release.set()

    threading.Thread(target=sweep_while_held, daemon=True).start()
    _burst(app, 2, monkeypatch)
    assert swept == [0], "a live send looked abandoned (or no send began)"
    session.expire_all()
    assert [(m.status, m.attempts) for m in session.scalars(
        select(OutboundMessage).where(OutboundMessage.id.in_(ids)))] == [("sent", 1)] * 2
