"""USSD hops through the Procfile's server, beside the bare Flask + Redis endpoint and Node.

The comparison the targets name: every request a fresh session, half first hops
(``""``) and half dial-throughs (``9*2``), ``wrk -c 20``; the bare endpoint, our app
and the Node peer (``bench.peer``) in alternating rounds of one run, so drift in a
shared machine hits all three alike. Then the navigation walk on stored sessions
and whole submissions, our app alone.
"""

from __future__ import annotations

import importlib.util
import os
import random
from typing import Any

from bench import peer
from bench.loadgen import run_wrk, serve, walk
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
FRESH_HOPS = ["", "9*2"]
WARMUP_SECONDS = 2
ROUNDS = 3
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


def measure(settings: Settings, target: str, path: list[str], seconds: int,
            fresh: bool = False) -> dict[str, Any]:
    flush_redis(settings)
    server = peer.serve(settings, server_env(settings)) if target == "node" else \
        serve(settings, target, server_env(settings))
    with server as base:
        screens = walk(base, path, "bench-precheck")
        run_wrk(settings, base, path, WARMUP_SECONDS, fresh=fresh)
        result = run_wrk(settings, base, path, seconds, fresh=fresh)
    result["screens"] = screens
    flush_redis(settings)
    return result


def combine(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Rounds pooled: total requests over total time; latencies averaged over rounds."""
    out: dict[str, Any] = {"rounds": runs}
    out["rps"] = sum(r["requests"] for r in runs) / sum(r["seconds"] for r in runs)
    for key in ("p50_ms", "p90_ms", "p99_ms"):
        out[key] = sum(r[key] for r in runs) / len(runs)
    out["max_p99_ms"] = max(r["p99_ms"] for r in runs)
    out["errors"] = sum(sum(r["errors"].values()) for r in runs)
    out["spread"] = [round(r["rps"]) for r in runs]
    out["seconds"] = sum(r["seconds"] for r in runs)
    return out


TARGETS = {"bare": "bench.baseline:app", "app": "wsgi:app", "node": "node"}


def alternate(settings: Settings, parties: list[str]) -> dict[str, dict[str, Any]]:
    """The parties in alternating rounds on fresh sessions; per round, each one's ratio."""
    runs: dict[str, list[dict[str, Any]]] = {p: [] for p in parties}
    seconds = max(3, settings.duration // ROUNDS)
    for _ in range(ROUNDS):
        for party in parties:
            runs[party].append(measure(settings, TARGETS[party], FRESH_HOPS, seconds, True))
    return {p: combine(r) for p, r in runs.items()}


def _ratios(results: dict[str, dict[str, Any]], of: str, to: str) -> list[float]:
    return [round(a["rps"] / b["rps"], 2)
            for a, b in zip(results[of]["rounds"], results[to]["rounds"], strict=True)]


def run(settings: Settings, report: Report) -> None:
    with_app = importlib.util.find_spec("ussd.views") is not None
    why_no_peer = peer.missing()
    parties = ["bare"] + (["app"] if with_app else []) + ([] if why_no_peer else ["node"])
    results = alternate(settings, parties)
    report.details["ussd_fresh"] = results | {"hops": FRESH_HOPS,
                                              "peer_command": None if why_no_peer
                                              else peer.command()}
    bare, conns = results["bare"], settings.connections
    how = (f"{settings.describe_server()}; wrk -t1 -c {conns}, a fresh session per request, "
           f"texts '' and 9*2 in turn; {ROUNDS} alternating rounds")
    report.add(Figure(SECTION, "bare Flask+Redis GET/SET", bare["rps"], "req/s",
                      note=f"rounds {bare['spread']}"),
               Figure(SECTION, "bare p99", bare["p99_ms"], "ms"))
    if not with_app:
        report.pending(SECTION, "hops", "x bare", "ussd.views has not landed", 0.9)
        return
    app = results["app"]
    report.add(
        Figure(SECTION, "hops (fresh sessions)", app["rps"], "req/s",
               note=f"{how}; rounds {app['spread']}"),
        Figure(SECTION, "hops vs bare", app["rps"] / bare["rps"], "x bare", 0.9, ">=",
               note=f"per round {_ratios(results, 'app', 'bare')}"),
        Figure(SECTION, f"hop p50 at {conns} connections", app["p50_ms"], "ms"),
        Figure(SECTION, f"hop p99 at {conns} connections", app["p99_ms"], "ms", 20, "<=",
               note=f"worst round {app['max_p99_ms']:.1f} ms"),
        Figure(SECTION, "hop errors (non-2xx, socket)", float(app["errors"]), "count", 0, "<="))
    if why_no_peer:
        report.pending(SECTION, "hops vs Node peer", "x node", why_no_peer, 1.0)
    else:
        node = results["node"]
        report.add(
            Figure(SECTION, "Node peer (Express + ussd-builder)", node["rps"], "req/s",
                   note=f"node, {settings.workers} processes; rounds {node['spread']}"),
            Figure(SECTION, "Node peer p99", node["p99_ms"], "ms"),
            Figure(SECTION, "hops vs Node peer", app["rps"] / node["rps"], "x node", 1.0, ">=",
                   note=f"per round {_ratios(results, 'app', 'node')}"))
    navigation(settings, report)


def navigation(settings: Settings, report: Report) -> None:
    """Stored sessions walking on, and whole submissions: our app alone."""
    path = hops()
    nav = combine([measure(settings, "wsgi:app", path, max(3, settings.duration // 2))])
    made = submit_walk(settings, report)
    report.details["ussd_app"] = nav
    report.add(
        Figure(SECTION, "navigation walk hops", nav["rps"], "req/s",
               note=f"wrk -c {settings.connections} over hundreds of stored sessions, "
                    f"hops {short(path)}"),
        Figure(SECTION, "navigation walk p99", nav["p99_ms"], "ms"),
        Figure(SECTION, f"whole USSD submissions ({len(SUBMIT_WALK)} hops)",
               made["feedback"] / made["seconds"], "/s",
               note=f"feedback rows made, {made['feedback']} in {made['seconds']:.1f} s, "
                    f"wrk walking {short(SUBMIT_WALK)} in {made['slots']} sessions at once; "
                    f"{made['rps']:,.0f} hops/s, p99 of any hop {made['p99_ms']:.0f} ms, "
                    f"errors {made['errors']}"))


def submit_walk(settings: Settings, report: Report) -> dict[str, Any]:
    """Whole submissions through the endpoint: every walk ends with the confirm hop.

    The figure is the feedback rows the run made, not its hops divided by the walk's
    length: a walk cut off by the run's end submits nothing. So each wrk thread walks
    few enough sessions that each finishes several walks in the run, and still enough
    that a session's next hop is sent well after the slowest answer to its last (400
    requests later at 20 connections, ~0.1 s, above the p99 of any hop).
    """
    screens = []
    slots = 20 * settings.connections
    flush_redis(settings)
    with serve(settings, "wsgi:app", server_env(settings)) as base:
        phone = f"+25571{random.randrange(10_000_000):07d}"  # a fresh number: no rate limit
        screens = walk(base, SUBMIT_WALK, f"bench-walk-{phone}", phone)
        if not screens[-1].startswith("END "):
            raise RuntimeError(f"the walk did not end in a submission: {screens[-1]!r}")
        before = _feedback_rows(settings)
        result = combine([run_wrk(settings, base, SUBMIT_WALK, max(3, settings.duration // 2),
                                  slots=slots)])
        result["feedback"] = _feedback_rows(settings) - before
    flush_redis(settings)
    result.update(last_screen=screens[-1], slots=slots)
    report.details["ussd_submit_walk"] = result
    return result


def _feedback_rows(settings: Settings) -> int:
    import sqlalchemy

    engine = sqlalchemy.create_engine(settings.database_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sqlalchemy.text("SELECT count(*) FROM feedback")).scalar_one())
    finally:
        engine.dispose()
