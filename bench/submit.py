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
from collections import Counter
from typing import Any

from sqlalchemy import text

from bench.prepare import after_fork, bench_app, flush_redis
from bench.report import Figure, Report
from bench.settings import Settings

SECTION = "submit"
TARGET = 300.0
LEAN_TARGET = 0.8  # of the lean insert's rate, in the same run (a loaded machine slows both)
CODES = ("TRA", "TRIAGE")
SLICE = 0.5  # seconds of one kind before the other takes its turn
GROUPS = 4  # spans of turns the spread is shown over
WARM = 20  # submissions of each kind before the clock starts


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


def worker(settings: Settings, seconds: float, seed: int, start_at: float) -> dict[str, Any]:
    """Lean and core in turns of :data:`SLICE` seconds, every process in step with the
    others (the turns are cut by the wall clock from ``start_at``), ``seconds`` each."""
    app = bench_app(settings)
    after_fork(app)
    codes = _institution_codes(app)
    with app.extensions["db"].engine.connect() as conn:
        ids = list(conn.execute(text("SELECT id FROM institution LIMIT 50")).scalars())
    rng = random.Random(f"{seed}-{os.getpid()}-{time.time()}")  # fresh numbers each run
    for _ in range(WARM):  # prepared statements and caches, for both, before the clock
        _lean_submit(app, rng, ids)
        _core_submit(app, rng, codes)
    latencies: dict[bool, list[float]] = {True: [], False: []}
    turns: dict[bool, Counter[int]] = {True: Counter(), False: Counter()}  # by turn of its kind
    while time.time() < start_at:
        time.sleep(0.005)
    end = start_at + 2 * seconds
    while (now := time.time()) < end:
        turn = int((now - start_at) / SLICE)
        lean = turn % 2 == 0
        t0 = time.perf_counter()
        if lean:
            _lean_submit(app, rng, ids)
        else:
            _core_submit(app, rng, codes)
        latencies[lean].append(time.perf_counter() - t0)
        turns[lean][turn // 2] += 1
    return {"latencies": latencies, "turns": turns}


def measure(settings: Settings, seconds: float) -> dict[bool, dict[str, Any]]:
    """A process per core, lean and core each for ``seconds`` in alternating turns."""
    procs = os.cpu_count() or 1
    start_at = time.time() + 3.0  # every process has built its app before the clock starts
    with multiprocessing.get_context("fork").Pool(procs) as pool:
        results = pool.starmap(worker, [(settings, seconds, n, start_at)
                                        for n in range(procs)])
    flush_redis(settings)
    return {lean: _pooled(procs, seconds, [r["latencies"][lean] for r in results],
                          [r["turns"][lean] for r in results]) for lean in (True, False)}


def _pooled(procs: int, seconds: float, latencies: list[list[float]],
            turns: list[Counter[int]]) -> dict[str, Any]:
    """Every process's submissions of one kind over its ``seconds``; latencies together,
    and the rate in each of :data:`GROUPS` spans of turns (the spread over the run)."""
    lat = sorted(x * 1e3 for one in latencies for x in one)
    count = len(lat)
    per_turn = sum(turns, Counter[int]())
    span = max(1, (max(per_turn, default=0) + 1) // GROUPS)
    spread = [round(sum(per_turn[i] for i in range(first, first + span)) / (span * SLICE))
              for first in range(0, span * GROUPS, span)]
    return {"processes": procs, "count": count, "rate": count / seconds, "seconds": seconds,
            "spread": spread, "p50_ms": statistics.median(lat) if lat else None,
            "p99_ms": lat[int(0.99 * (count - 1))] if lat else None}


def run(settings: Settings, report: Report) -> None:
    # Lean and core take turns of half a second in the same processes: a slow spell of
    # the shared machine (the database's checkpoints, a page read from disk) then falls
    # on both alike, where rounds of seconds each apart moved the ratio by a tenth.
    seconds = max(2.0, settings.submit_seconds)
    both = measure(settings, seconds)
    lean, core = both[True], both[False]
    report.details["submit"] = {"core": core, "lean": lean}
    procs = core["processes"]
    per_span = [round(c / max(b, 1e-9), 2) for c, b in zip(core["spread"], lean["spread"],
                                                          strict=True)]
    report.add(
        Figure(SECTION, "lean SQL insert+enqueue", lean["rate"], "/s",
               note="3 SQL statements (feedback, SMS row, 2 events) + commit + rq enqueue: "
                    f"the limit of this stack for the same rows; by span {lean['spread']}"),
        Figure(SECTION, f"submissions ({procs} processes)", core["rate"], "/s", TARGET, ">=",
               note="core.services.submit_feedback + commit + rq enqueue of the SMS job, "
                    f"PostgreSQL; {core['count']} in {core['seconds']:.0f}s; "
                    f"by span {core['spread']}"),
        Figure(SECTION, "submissions vs lean", core["rate"] / max(lean["rate"], 1e-9), "x lean",
               LEAN_TARGET, ">=", note=f"issue 19: the same rows, in turns of {SLICE}s with "
                                       f"the lean insert in the same processes; by span "
                                       f"{per_span}"),
        Figure(SECTION, "submit p50", core["p50_ms"], "ms"),
        Figure(SECTION, "submit p99", core["p99_ms"], "ms"))
