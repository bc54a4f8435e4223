"""USSD navigation hops through gunicorn, side by side with the bare Flask + Redis endpoint."""

from __future__ import annotations

import importlib.util
import os
import random
from typing import Any

from bench.loadgen import gunicorn, run_wrk, walk
from bench.prepare import flush_redis, server_env
from bench.report import Figure, Report
from bench.settings import Settings

# The walk a citizen makes before choosing a kind: root menu, 9, e-Mrejesho, Lalamiko.
DEFAULT_HOPS = ["", "9", "9*2", "9*2*1"]
DESCRIPTION = "Maji hayatoki kwa wiki mbili mtaa wa Mbezi, tumeomba msaada mara tatu"
_D = "9*2*1*1*1*1*" + DESCRIPTION
# A whole complaint: kind, Wizara, its first letter range, the first ministry, the text, go
# on, with my number, skip the name, send. The last hop is the submit (SQL insert, Events,
# enqueue).
SUBMIT_WALK = ["", "9", "9*2", "9*2*1", "9*2*1*1", "9*2*1*1*1", "9*2*1*1*1*1", _D,
               _D + "*1", _D + "*1*1", _D + "*1*1*1", _D + "*1*1*1*1"]
WARMUP_SECONDS = 2
ROUNDS = 2
SECTION = "ussd"


def short(path: list[str]) -> str:
    """A walk as its inputs, the free text elided: '' > 9 > 2 > 1 > 1 > 1 > <text> > 1."""
    steps, previous = [], ""
    for text in path:
        new = text[len(previous):].lstrip("*") if text.startswith(previous) else text
        steps.append("<text>" if len(new) > 8 else repr(new) if not new else new)
        previous = text
    return " > ".join(steps)


def hops() -> list[str]:
    raw = os.environ.get("BENCH_HOPS")
    return raw.split(",") if raw is not None else list(DEFAULT_HOPS)


def measure(settings: Settings, target: str, path: list[str], seconds: int) -> dict[str, Any]:
    flush_redis(settings)
    with gunicorn(settings, target, server_env(settings)) as base:
        screens = walk(base, path, "bench-precheck")
        run_wrk(settings, base, path, WARMUP_SECONDS)
        result = run_wrk(settings, base, path, seconds)
    result["screens"] = screens
    flush_redis(settings)
    return result


def combine(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Rounds pooled: total requests over total time; latencies averaged over rounds."""
    out: dict[str, Any] = {"rounds": runs}
    out["rps"] = sum(r["requests"] for r in runs) / sum(r["seconds"] for r in runs)
    for key in ("p50_ms", "p90_ms", "p99_ms"):
        out[key] = sum(r[key] for r in runs) / len(runs)
    out["errors"] = sum(sum(r["errors"].values()) for r in runs)
    return out


def alternate(settings: Settings, path: list[str], with_app: bool) -> tuple[Any, Any]:
    """Bare and app in alternating rounds, so drift in the machine hits both alike."""
    bare_runs, app_runs = [], []
    seconds = max(3, settings.duration // ROUNDS)
    for _ in range(ROUNDS):
        bare_runs.append(measure(settings, "bench.baseline:app", path, seconds))
        if with_app:
            app_runs.append(measure(settings, "wsgi:app", path, seconds))
    return combine(bare_runs), combine(app_runs) if app_runs else None


def run(settings: Settings, report: Report) -> None:
    path = hops()
    with_app = importlib.util.find_spec("ussd.views") is not None
    bare, app = alternate(settings, path, with_app)
    report.details["ussd_baseline"], report.details["ussd_app"] = bare, app
    conns = settings.connections
    report.add(Figure(SECTION, "bare Flask+Redis GET/SET", bare["rps"], "req/s"),
               Figure(SECTION, "bare p50", bare["p50_ms"], "ms"),
               Figure(SECTION, "bare p99", bare["p99_ms"], "ms"))
    if app is None:
        report.pending(SECTION, "navigation hops", "x bare", "ussd.views has not landed", 0.8)
        return
    walk_rate = submit_walk(settings, report)
    report.add(
        Figure(SECTION, "navigation hops", app["rps"], "req/s"),
        Figure(SECTION, "hops vs bare", app["rps"] / bare["rps"], "x bare", 0.8, ">="),
        Figure(SECTION, f"hop p50 at {conns} sessions", app["p50_ms"], "ms"),
        Figure(SECTION, f"hop p99 at {conns} sessions", app["p99_ms"], "ms", 50, "<=",
               note=f"{settings.describe_server()}; wrk -c {conns} closed loop, no think "
                    f"time; {ROUNDS} alternating rounds each; hops {short(path)}"),
        Figure(SECTION, "hop errors (non-2xx, socket)", float(app["errors"]), "count", 0, "<="),
        Figure(SECTION, f"whole USSD submissions ({len(SUBMIT_WALK)} hops)",
               walk_rate["rps"] / len(SUBMIT_WALK), "/s",
               note=f"wrk walking {short(SUBMIT_WALK)}; p99 of any hop "
                    f"{walk_rate['p99_ms']:.0f} ms, errors {walk_rate['errors']}"))


def submit_walk(settings: Settings, report: Report) -> dict[str, Any]:
    """Whole submissions through the endpoint: every walk ends with the confirm hop."""
    screens = []
    flush_redis(settings)
    with gunicorn(settings, "wsgi:app", server_env(settings)) as base:
        phone = f"+25571{random.randrange(10_000_000):07d}"  # a fresh number: no rate limit
        screens = walk(base, SUBMIT_WALK, f"bench-walk-{phone}", phone)
        if not screens[-1].startswith("END "):
            raise RuntimeError(f"the walk did not end in a submission: {screens[-1]!r}")
        result = combine([run_wrk(settings, base, SUBMIT_WALK, max(3, settings.duration // 2))])
    flush_redis(settings)
    result["last_screen"] = screens[-1]
    report.details["ussd_submit_walk"] = result
    return result
