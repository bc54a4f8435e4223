"""Confirmation SMS sent per second by one worker host, and the send queue's age under load.

A worker host runs one :class:`web.worker.SendWorker` per core, as the Procfile's
worker line does (``WORKER_THREADS`` rq workers in threads of each process; the bench
forks them, ``BENCH_SEND_PROCESSES`` to change), over SMS rows committed as a submit
commits them (one rq job each, enqueued on commit):

- to the outbox (no credentials), the worker's own cost per message;
- to Africa's Talking answering every send in 200 ms, the real SDK with only its
  HTTP faked (``responses``), as the tests fake it;
- the queue's age: SMS committed at the web tier's submission rate (the submit
  section's figure) for a few seconds while the worker runs on the slow provider;
  the age of a message is its ``sent_at`` less its ``created_at``.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import statistics
import threading
import time
from typing import Any
from urllib.parse import parse_qs

from flask import Flask
from sqlalchemy import func, select

from bench.prepare import after_fork, bench_app, flush_redis
from bench.report import Figure, Report
from bench.settings import Settings

SECTION = "send"
AT_LATENCY = 0.2
AT_URL = re.compile(r"https://api\.(sandbox\.)?africastalking\.com/version1/messaging")
AT_CONFIG = {"AT_USERNAME": "bench", "AT_API_KEY": "bench-key", "AT_SENDER_ID": "MREJESHO"}


def _commit_sms(app: Flask, n: int, tag: str) -> list[int]:
    from core.notify import queue_sms

    with app.extensions["db"].sessionmaker() as s:
        ids = [queue_sms(s, phone=f"+2557{i % 100_000_000:08d}", purpose="bench",
                         text=f"Asante. Kumb. {tag} {i}").id for i in range(n)]
        s.commit()  # the dispatcher enqueues one job per message
    return [i for i in ids if i is not None]


def _worker(app: Flask, stop: Any = None) -> None:
    """One SendWorker until the queue is empty, or until ``stop`` (an Event) is set."""
    from infra import kv
    from web.worker import SendWorker

    worker = SendWorker([kv.queue(app)], connection=kv.client(app), app=app, worker_ttl=16)
    if stop is not None:
        threading.Thread(target=lambda: (stop.wait(), _stop(worker)), daemon=True).start()
    worker.work(burst=stop is None, logging_level="WARNING")


def _child(settings: Settings, stop: Any) -> None:
    app = bench_app(settings)
    after_fork(app)
    _worker(app, stop)


def _host(settings: Settings, app: Flask, stop: Any = None) -> float:
    """One worker per core, forked (the mock of the provider goes with them); seconds taken."""
    procs = int(os.environ.get("BENCH_SEND_PROCESSES") or os.cpu_count() or 1)
    ctx = multiprocessing.get_context("fork")
    t0 = time.perf_counter()
    children = [ctx.Process(target=_child, args=(settings, stop)) for _ in range(procs)]
    for child in children:
        child.start()
    for child in children:
        child.join()
    return time.perf_counter() - t0


def _stop(worker: Any) -> None:
    worker._stop_requested = True


def _ages(app: Flask, ids: list[int]) -> list[float]:
    from core.models import OutboundMessage

    with app.extensions["db"].sessionmaker() as s:
        rows = s.execute(select(OutboundMessage.created_at, OutboundMessage.sent_at)
                         .where(OutboundMessage.id.in_(ids))).all()
    return [(sent - created).total_seconds() for created, sent in rows if sent is not None]


def _sent(app: Flask, ids: list[int]) -> int:
    from core.models import OutboundMessage

    with app.extensions["db"].sessionmaker() as s:
        return int(s.scalar(select(func.count()).where(
            OutboundMessage.id.in_(ids), OutboundMessage.status == "sent")) or 0)


def _slow_provider(mock: Any) -> None:
    """Africa's Talking answering each request in 200 ms, for every number it names."""
    def answer(request: Any) -> tuple[int, dict[str, str], str]:
        time.sleep(AT_LATENCY)
        numbers = parse_qs(request.body if isinstance(request.body, str)
                           else request.body.decode())["to"][0].split(",")
        return 201, {"Content-Type": "application/json"}, json.dumps({"SMSMessageData": {
            "Message": f"Sent to {len(numbers)}/{len(numbers)}", "Recipients": [{
                "statusCode": 101, "number": number, "status": "Success",
                "cost": "TZS 25.0000", "messageId": f"ATXid_{time.monotonic_ns()}"}
                for number in numbers]}})

    mock.add_callback("POST", AT_URL, callback=answer)


def _rate(settings: Settings, app: Flask, n: int, tag: str) -> dict[str, Any]:
    """SMS/s from the first send to the last (the workers' start-up is not counted)."""
    from core.models import OutboundMessage

    ids = _commit_sms(app, n, tag)
    seconds = _host(settings, app)
    with app.extensions["db"].sessionmaker() as s:
        first, last = s.execute(select(func.min(OutboundMessage.sent_at),
                                       func.max(OutboundMessage.sent_at))
                                .where(OutboundMessage.id.in_(ids))).one()
    sent = _sent(app, ids)
    span = (last - first).total_seconds() if first and last and last > first else seconds
    return {"messages": n, "sent": sent, "seconds": round(seconds, 2),
            "sending_seconds": round(span, 2), "rate": (sent - 1) / span if sent > 1 else 0.0}


def _queue_age(settings: Settings, app: Flask, rate: float, seconds: float) -> dict[str, Any]:
    """Commit SMS at ``rate`` per second (a batch each tenth of a second) while they are sent."""
    stop = multiprocessing.get_context("fork").Event()
    host = threading.Thread(target=_host, args=(settings, app, stop), daemon=True)
    host.start()
    ids: list[int] = []
    t0, batch, k = time.perf_counter(), max(1, round(rate / 10)), 0
    while time.perf_counter() - t0 < seconds:
        ids.extend(_commit_sms(app, batch, f"age{k}"))
        k += 1
        time.sleep(max(0.0, t0 + k * batch / rate - time.perf_counter()))
    produced = len(ids) / (time.perf_counter() - t0)
    deadline = time.monotonic() + 60
    while _sent(app, ids) < len(ids) and time.monotonic() < deadline:
        time.sleep(0.2)
    stop.set()
    host.join()
    ages = sorted(_ages(app, ids))
    return {"messages": len(ids), "sent": len(ages), "rate": rate, "produced_rate": produced,
            "max_s": max(ages, default=0.0), "p50_s": statistics.median(ages) if ages else 0.0}


def run(settings: Settings, report: Report) -> None:
    import responses

    app = bench_app(settings)
    n = int(os.environ.get("BENCH_SMS_MESSAGES", 2000))
    threads = app.config["WORKER_THREADS"]
    flush_redis(settings)
    outbox = _rate(settings, app, n, "outbox")
    saved = {k: app.config.get(k) for k in AT_CONFIG}
    app.config.update(AT_CONFIG)
    try:
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            _slow_provider(mock)
            at = _rate(settings, app, n // 2, "at")
            submit_rate = next((f.value for f in report.figures if f.section == "submit"
                                and f.name.startswith("submissions (") and f.value), None)
            rate = float(os.environ.get("BENCH_SMS_RATE") or submit_rate or 100)
            age = _queue_age(settings, app, rate,
                             float(os.environ.get("BENCH_SMS_AGE_SECONDS", 8)))
    finally:
        app.config.update(saved)
        flush_redis(settings)
    report.details["send"] = {"outbox": outbox, "africastalking": at, "queue_age": age,
                              "threads": threads}
    procs = int(os.environ.get("BENCH_SEND_PROCESSES") or os.cpu_count() or 1)
    how = f"{procs} processes (one per core), web.worker.SendWorker with {threads} threads each"
    report.add(
        Figure(SECTION, "SMS/s to the outbox", outbox["rate"], "SMS/s", 200, ">=",
               note=f"{how}; {outbox['sent']}/{n} sent in {outbox['sending_seconds']} s "
                    f"({outbox['seconds']} s with the workers' start)"),
        Figure(SECTION, "SMS/s to Africa's Talking (200 ms answers)", at["rate"], "SMS/s",
               100, ">=", note=f"{how}; SDK with its HTTP faked; {at['sent']}/{n // 2} sent"),
        Figure(SECTION, f"queue age at {age['produced_rate']:.0f} submissions/s (max)",
               age["max_s"], "s", 5, "<=",
               note=f"{age['sent']}/{age['messages']} sent; median {age['p50_s']:.2f} s; "
                    f"200 ms provider; {rate:.0f}/s wanted (the submit section's rate)"))
