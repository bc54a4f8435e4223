"""Bytes of Redis per active USSD session: ``MEMORY USAGE`` of every key the sessions made.

N sessions are walked (through the real endpoint, by the test client) to the confirm
screen, the deepest before sending, where a session holds the most: its state, its
draft with a 70-letter description, and its back stack.
Every key in the bench's Redis db except rq's is counted, so whatever the USSD code
keeps per session (state, draft, idempotent replies, locks) is in the figure.
"""

from __future__ import annotations

import importlib.util
import os
import re

from bench.prepare import bench_app, flush_redis
from bench.report import Figure, Report
from bench.settings import Settings
from bench.ussd import SUBMIT_WALK, short

SECTION = "session"
TARGET = 1024.0


def session_hops() -> list[str]:
    raw = os.environ.get("BENCH_SESSION_HOPS")
    return raw.split(",") if raw is not None else SUBMIT_WALK[:-1]


def _key_shape(key: bytes) -> str:
    return re.sub(rb"[0-9a-f-]{6,}|\d+", b"*", key).decode(errors="replace")


def run(settings: Settings, report: Report) -> None:
    if importlib.util.find_spec("ussd.views") is None:
        report.pending(SECTION, "bytes per session", "B", "ussd.views has not landed",
                       TARGET, "<=")
        return
    flush_redis(settings)
    app = bench_app(settings)
    client = app.test_client()
    hops, n = session_hops(), settings.sessions
    for i in range(n):
        for text in hops:
            resp = client.post("/ussd/africastalking", data={
                "sessionId": f"bench-size-{i}", "serviceCode": "*152*00#",
                "phoneNumber": f"+25571{i:07d}", "networkCode": "63902", "text": text})
            if resp.status_code != 200:
                raise RuntimeError(f"hop {text!r} answered {resp.status_code}")
    from infra import kv

    redis = kv.client(app)
    total, shapes = 0, {}  # type: ignore[var-annotated]
    for key in redis.scan_iter(count=1000):
        if key.startswith(b"rq:"):
            continue
        size = int(redis.memory_usage(key, samples=0) or 0)
        shape = _key_shape(key)
        shapes[shape] = shapes.get(shape, 0) + size
        total += size
    per = total / n
    last = resp.get_data(as_text=True)
    report.details["session"] = {"sessions": n, "hops": hops, "bytes_total": total,
                                 "by_key_shape": shapes, "last_screen": last}
    report.add(Figure(SECTION, "bytes per active session", per, "B", TARGET, "<=",
                      note=f"{n} sessions at {short(hops)}; keys: "
                           + ", ".join(f"{k} {v / n:.0f} B" for k, v in shapes.items())))
    flush_redis(settings)
