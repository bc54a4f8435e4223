"""Complete submissions per second through the core service path, one process per core.

Each submission is what the USSD confirm hop does after parsing: one transaction
that inserts the Feedback under a fresh reference, its Events and the citizen's SMS
row, commits, and enqueues the SMS job on rq (the after-commit dispatcher). The
rows go into the table the scale section filled, so indexes are a million deep.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import statistics
import time
from typing import Any

from bench.prepare import bench_app, flush_redis
from bench.report import Figure, Report
from bench.settings import Settings

SECTION = "submit"
TARGET = 300.0
CODES = ("TRA", "TRIAGE")


def _institution_codes(app: Any) -> list[str]:
    from sqlalchemy import select

    from core.models import Institution

    with app.extensions["db"].sessionmaker() as s:
        return list(s.scalars(select(Institution.code).limit(50)))


def worker(settings: Settings, seconds: float, seed: int, start_at: float) -> dict[str, Any]:
    from core.services import Submission, submit_feedback

    app = bench_app(settings)
    codes = _institution_codes(app)
    rng = random.Random(seed)
    maker = app.extensions["db"].sessionmaker
    latencies: list[float] = []
    while time.time() < start_at:
        time.sleep(0.005)
    end = time.perf_counter() + seconds
    while (t0 := time.perf_counter()) < end:
        with maker() as session:
            submit_feedback(session, Submission(
                kind="complaint", channel="ussd", institution_code=rng.choice(codes),
                description="Maji hayatoki kwa wiki mbili mtaa wa Mbezi",
                phone=f"+25571{rng.randrange(10_000_000):07d}", language="sw"))
            session.commit()
        latencies.append(time.perf_counter() - t0)
    app.extensions["db"].engine.dispose()
    return {"count": len(latencies), "latencies": latencies}


def run(settings: Settings, report: Report) -> None:
    procs = os.cpu_count() or 1
    start_at = time.time() + 3.0  # every process has built its app before the clock starts
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(procs) as pool:
        results = pool.starmap(worker, [(settings, settings.submit_seconds, n, start_at)
                                        for n in range(procs)])
    count = sum(r["count"] for r in results)
    lat = sorted(x * 1e3 for r in results for x in r["latencies"])
    rate = count / settings.submit_seconds
    p99 = lat[int(0.99 * (len(lat) - 1))] if lat else 0.0
    report.details["submit"] = {"processes": procs, "count": count, "rate": rate,
                                "p50_ms": statistics.median(lat) if lat else None,
                                "p99_ms": p99}
    report.add(
        Figure(SECTION, f"submissions ({procs} processes)", rate, "/s", TARGET, ">=",
               note="submit_feedback + commit + rq enqueue of the SMS job, PostgreSQL; "
                    f"{count} in {settings.submit_seconds:.0f}s"),
        Figure(SECTION, "submit p50", statistics.median(lat) if lat else None, "ms"),
        Figure(SECTION, "submit p99", p99, "ms"))
    flush_redis(settings)
