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

from sqlalchemy import text

from bench.prepare import after_fork, bench_app, flush_redis
from bench.report import Figure, Report
from bench.settings import Settings

SECTION = "submit"
TARGET = 300.0
LEAN_TARGET = 0.8  # of the lean insert's rate, in the same run (a loaded machine slows both)
CODES = ("TRA", "TRIAGE")
ROUNDS = 3


def _institution_codes(app: Any) -> list[str]:
    from sqlalchemy import select

    from core.models import Institution

    with app.extensions["db"].sessionmaker() as s:
        return list(s.scalars(select(Institution.code).limit(50)))


DESCRIPTION = "Maji hayatoki kwa wiki mbili mtaa wa Mbezi"
LEAN_FEEDBACK = text(
    "INSERT INTO feedback (reference, kind, channel, institution_id, description, anonymous, "
    "submitter_phone, language, status, sensitive, created_at, updated_at, due_at, escalated) "
    "VALUES (:ref, 'complaint', 'ussd', :inst, :d, false, :phone, 'sw', 'received', false, "
    "now(), now(), now() + interval '9 days', false) "
    "ON CONFLICT (reference) DO NOTHING RETURNING id")
LEAN_SMS = text("INSERT INTO outbound_message (phone, text, purpose, feedback_id, status, "
                "attempts, created_at) VALUES (:phone, :t, 'reference', :fid, 'queued', 0, "
                "now()) RETURNING id")
LEAN_EVENTS = text("INSERT INTO event (feedback_id, kind, at, actor, data) VALUES "
                   "(:fid, 'created', now(), 'system', '{}'), "
                   "(:fid, 'sms_queued', now(), 'system', '{}')")


def _core_submit(app: Any, rng: random.Random, codes: list[str]) -> None:
    from core.services import Submission, submit_feedback

    with app.extensions["db"].sessionmaker() as session:
        submit_feedback(session, Submission(
            kind="complaint", channel="ussd", institution_code=rng.choice(codes),
            description=DESCRIPTION, phone=f"+25571{rng.randrange(10_000_000):07d}",
            language="sw"))
        session.commit()


def _lean_submit(app: Any, rng: random.Random, inst_ids: list[int]) -> None:
    """The same rows in three statements and one enqueue: what this stack allows."""
    from core.references import new_reference
    from infra.kv import queue
    from sms.jobs import enqueue_messages

    phone = f"+25571{rng.randrange(10_000_000):07d}"
    with app.extensions["db"].engine.begin() as conn:
        fid = None
        while fid is None:  # a drawn reference taken: draw again, no savepoint needed
            fid = conn.execute(LEAN_FEEDBACK, {"ref": new_reference(), "d": DESCRIPTION,
                                               "inst": rng.choice(inst_ids),
                                               "phone": phone}).scalar()
        mid = conn.execute(LEAN_SMS, {"phone": phone, "t": "Asante. Kumb. 1234567890",
                                      "fid": fid}).scalar()
        conn.execute(LEAN_EVENTS, {"fid": fid})
    enqueue_messages(queue(app), [mid])  # as the app's dispatcher enqueues it


def worker(settings: Settings, seconds: float, seed: int, start_at: float,
           lean: bool = False) -> dict[str, Any]:
    app = bench_app(settings)
    after_fork(app)
    codes = _institution_codes(app)
    with app.extensions["db"].engine.connect() as conn:
        ids = list(conn.execute(text("SELECT id FROM institution LIMIT 50")).scalars())
    rng = random.Random(f"{seed}-{os.getpid()}-{time.time()}")  # fresh numbers each run
    latencies: list[float] = []
    while time.time() < start_at:
        time.sleep(0.005)
    end = time.perf_counter() + seconds
    while (t0 := time.perf_counter()) < end:
        if lean:
            _lean_submit(app, rng, ids)
        else:
            _core_submit(app, rng, codes)
        latencies.append(time.perf_counter() - t0)
    return {"count": len(latencies), "latencies": latencies}


def measure(settings: Settings, lean: bool, seconds: float) -> dict[str, Any]:
    """One round: a process per core submitting for ``seconds``."""
    procs = os.cpu_count() or 1
    start_at = time.time() + 3.0  # every process has built its app before the clock starts
    with multiprocessing.get_context("fork").Pool(procs) as pool:
        results = pool.starmap(worker, [(settings, seconds, n, start_at, lean)
                                        for n in range(procs)])
    flush_redis(settings)
    return {"processes": procs, "seconds": seconds,
            "latencies": [x for r in results for x in r["latencies"]]}


def pooled(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """Rounds pooled: every submission over the time of all rounds; latencies together."""
    lat = sorted(x * 1e3 for r in rounds for x in r["latencies"])
    count, seconds = len(lat), sum(r["seconds"] for r in rounds)
    return {"processes": rounds[0]["processes"], "count": count, "rate": count / seconds,
            "seconds": seconds, "spread": [round(len(r["latencies"]) / r["seconds"])
                                           for r in rounds],
            "p50_ms": statistics.median(lat) if lat else None,
            "p99_ms": lat[int(0.99 * (count - 1))] if lat else None}


def run(settings: Settings, report: Report) -> None:
    # Lean and core in alternating rounds: a slow spell of the shared machine (or of the
    # database's checkpoints) then falls on both, not on whichever ran second.
    seconds = max(2.0, settings.submit_seconds / ROUNDS)
    rounds: dict[bool, list[dict[str, Any]]] = {True: [], False: []}
    for _ in range(ROUNDS):
        for is_lean in (True, False):
            rounds[is_lean].append(measure(settings, is_lean, seconds))
    lean, core = pooled(rounds[True]), pooled(rounds[False])
    report.details["submit"] = {"core": core, "lean": lean}
    procs = core["processes"]
    per_round = [round(c / max(b, 1e-9), 2) for c, b in zip(core["spread"], lean["spread"],
                                                           strict=True)]
    report.add(
        Figure(SECTION, "lean SQL insert+enqueue", lean["rate"], "/s",
               note="3 SQL statements (feedback, SMS row, 2 events) + commit + rq enqueue: "
                    f"the limit of this stack for the same rows; rounds {lean['spread']}"),
        Figure(SECTION, f"submissions ({procs} processes)", core["rate"], "/s", TARGET, ">=",
               note="core.services.submit_feedback + commit + rq enqueue of the SMS job, "
                    f"PostgreSQL; {core['count']} in {core['seconds']:.0f}s; "
                    f"rounds {core['spread']}"),
        Figure(SECTION, "submissions vs lean", core["rate"] / max(lean["rate"], 1e-9), "x lean",
               LEAN_TARGET, ">=", note=f"issue 19: the same rows, {ROUNDS} alternating rounds; "
                                       f"per round {per_round}"),
        Figure(SECTION, "submit p50", core["p50_ms"], "ms"),
        Figure(SECTION, "submit p99", core["p99_ms"], "ms"))
