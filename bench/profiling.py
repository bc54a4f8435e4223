"""Where a hop's time goes: pyinstrument over the hot paths, plus round trips counted.

Profiles run in this process through the test client (the same view code the web server
runs), and each is summarised by library — Redis, SQLAlchemy, psycopg, rq,
Babel, Jinja, Flask/Werkzeug, our own packages — so the report can say what a fix
should aim at. Redis commands per operation come from ``INFO commandstats`` and SQL
statements from the engine, both counted around the same loop.
"""

from __future__ import annotations

import importlib.util
import os
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench import plans
from bench.prepare import bench_app, flush_redis
from bench.report import Figure, Report
from bench.settings import ROOT, Settings

SECTION = "profile"
OUT = Path(__file__).resolve().parent / "profiles"
BUCKETS = (("redis", "/redis/"), ("rq", "/rq/"), ("sqlalchemy", "/sqlalchemy/"),
           ("psycopg", "/psycopg"), ("babel", "/babel/"), ("jinja2", "/jinja2/"),
           ("werkzeug", "/werkzeug/"), ("flask", "/flask/"), ("holidays", "/holidays/"),
           ("phonenumbers", "/phonenumbers/"), ("rapidfuzz", "/rapidfuzz/"),
           ("stdlib", "/lib/python3"))
WARM = 44  # a whole number of walks of 4 and of 11 hops
OURS = ("core", "web", "ussd", "sms", "menus", "sessions", "admin")


def _bucket(path: str) -> str:
    if path.startswith(str(ROOT)) and "/.venv/" not in path:
        rel = Path(path).relative_to(ROOT).parts
        return rel[0] if rel and rel[0] in OURS else "other"
    for name, needle in BUCKETS:
        if needle in path:
            return name
    return "other"


def by_library(frame: Any, out: dict[str, float], parent: str = "other") -> dict[str, float]:
    """Self time of every frame, added up by the library its file belongs to.

    A frame with no Python file (a C call such as a socket read, or pyinstrument's
    own ``[self]``) counts for the library that made the call.
    """
    path = frame.file_path or ""
    key = _bucket(path) if path and not path.startswith("<") else parent
    own = frame.time - sum(child.time for child in frame.children)
    out[key] = out.get(key, 0.0) + max(own, 0.0)
    for child in frame.children:
        by_library(child, out, key)
    return out


@contextmanager
def redis_trips() -> Iterator[dict[str, int]]:
    """Count this process's Redis round trips and commands, whatever client sends them.

    Counted at the client (a pipeline is one trip), so other users of the same Redis
    server, as ``INFO commandstats`` would see them, do not blur the figure.
    """
    import redis.client

    seen: dict[str, int] = {"round trips": 0}
    single, piped = redis.Redis.execute_command, redis.client.Pipeline.execute

    def execute_command(self: Any, *args: Any, **options: Any) -> Any:
        seen["round trips"] += 1
        seen[str(args[0]).lower()] = seen.get(str(args[0]).lower(), 0) + 1
        return single(self, *args, **options)

    def execute(self: Any, raise_on_error: bool = True) -> Any:
        seen["round trips"] += 1
        for args, _ in self.command_stack:
            seen[str(args[0]).lower()] = seen.get(str(args[0]).lower(), 0) + 1
        return piped(self, raise_on_error)

    redis.Redis.execute_command = execute_command  # type: ignore[method-assign]
    redis.client.Pipeline.execute = execute  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        redis.Redis.execute_command = single  # type: ignore[method-assign]
        redis.client.Pipeline.execute = piped  # type: ignore[method-assign]


def profile(name: str, app: Any, op: Callable[[int], Any], n: int) -> dict[str, Any]:
    from pyinstrument import Profiler

    for i in range(WARM):
        op(i)  # warm: imports, compiled queries, catalogues, the menu's directory snapshot
    profiler = Profiler(interval=0.0005)
    with plans.capture(app.extensions["db"].engine) as statements, redis_trips() as trips:
        profiler.start()
        for i in range(WARM, WARM + n):
            op(i)
        profiler.stop()
    session = profiler.last_session
    assert session is not None
    total = session.duration
    libs = by_library(profiler.last_session.root_frame(), {})  # type: ignore[union-attr]
    redis_cmds = {k: round(v / n, 2) for k, v in trips.items()}
    OUT.mkdir(exist_ok=True)
    (OUT / f"{name}.txt").write_text(profiler.output_text(unicode=False, color=False))
    (OUT / f"{name}.html").write_text(profiler.output_html())
    shares = {k: round(100 * v / sum(libs.values()), 1)
              for k, v in sorted(libs.items(), key=lambda kv_: -kv_[1])}
    return {"ops": n, "ms_per_op": 1e3 * total / n, "share_percent": shares,
            "redis_commands_per_op": redis_cmds,
            "sql_statements_per_op": len(statements) / n,
            "sql_kinds": _sql_kinds(statements, n)}


def _sql_kinds(statements: list[tuple[str, Any]], n: int) -> dict[str, float]:
    kinds: dict[str, float] = {}
    for sql, _ in statements:
        words = sql.split()
        key = " ".join(words[:3]) if words and words[0] == "INSERT" else " ".join(words[:1])
        if words and words[0] == "SELECT" and "FROM" in words:
            key = "SELECT FROM " + words[words.index("FROM") + 1]
        if words and words[0] == "WITH":  # data-modifying CTEs: the tables they write
            bare = [w.lstrip("(") for w in words]
            written = [w for a, b, w in zip(bare, bare[1:], bare[2:], strict=False)
                       if (a, b) == ("INSERT", "INTO")]
            key = "WITH … INSERT INTO " + ", ".join(written) if written else "WITH"
        kinds[key] = kinds.get(key, 0) + 1 / n
    return {k: round(v, 2) for k, v in sorted(kinds.items(), key=lambda kv_: -kv_[1])}


def _hop_op(app: Any, hops: list[str], tag: str = "prof") -> Callable[[int], Any]:
    client, run_id = app.test_client(), random.randrange(1_000_000)

    def op(i: int) -> Any:
        sid, step = divmod(i, len(hops))
        return client.post("/ussd/africastalking", data={
            "sessionId": f"bench-{tag}-{run_id}-{sid}", "serviceCode": "*152*00#",
            "phoneNumber": f"+25571{sid % 10_000_000:07d}", "networkCode": "63902",
            "text": hops[step]})
    return op


def _submit_op(app: Any) -> Callable[[int], Any]:
    from core.services import Submission, submit_feedback

    maker, rng = app.extensions["db"].sessionmaker, random.Random()  # fresh numbers

    def op(i: int) -> Any:
        with maker() as session:
            submit_feedback(session, Submission(
                kind="complaint", channel="ussd", institution_code="TRA",
                description="Maji hayatoki kwa wiki mbili mtaa wa Mbezi",
                phone=f"+25571{rng.randrange(10_000_000):07d}"))
            session.commit()
    return op


def cpu_per_op(op: Callable[[int], Any], n: int) -> float:
    """CPU milliseconds per call in this process: less swayed by other load than wall time."""
    for i in range(WARM):
        op(i)
    t0 = time.process_time()
    for i in range(WARM, WARM + n):
        op(i)
    return 1e3 * (time.process_time() - t0) / n


def hop_cpu(settings: Settings, app: Any, report: Report, path: list[str]) -> None:
    """The app's hop and the bare GET/SET hop, each through Flask's test client, CPU only."""
    os.environ["REDIS_URL"] = settings.redis_url
    from bench.baseline import create_app as bare_app

    n = 1000
    bare = cpu_per_op(_hop_op(bare_app(), path, "bare"), n)
    ours = cpu_per_op(_hop_op(app, path, "cpu"), n)
    report.details["hop_cpu_ms"] = {"bare": bare, "app": ours}
    report.add(Figure(SECTION, "hop CPU in-process: bare", bare, "ms/hop"),
                Figure(SECTION, "hop CPU in-process: app", ours, "ms/hop",
                       note=f"test client, {n} hops each; bare/app = {bare / ours:.2f} "
                            "(the serving figure's ratio without the server and the load)"))


def run(settings: Settings, report: Report) -> None:
    from bench.ussd import hops

    flush_redis(settings)
    app = bench_app(settings)
    found: dict[str, Any] = {"submit": profile("submit", app, _submit_op(app), 200)}
    if importlib.util.find_spec("ussd.views") is not None:
        found["hop"] = profile("hop", app, _hop_op(app, hops()), 1000)
        hop_cpu(settings, app, report, hops())
    report.details["profile"] = found
    for name, prof in found.items():
        top = ", ".join(f"{k} {v}%" for k, v in list(prof["share_percent"].items())[:6])
        cmds = prof["redis_commands_per_op"].get("round trips", 0)
        report.add(Figure(SECTION, f"{name}: in-process time", prof["ms_per_op"], "ms/op",
                          note=f"{top}; Redis round trips/op {cmds:.1f} "
                               f"{prof['redis_commands_per_op']}; SQL/op "
                               f"{prof['sql_statements_per_op']:.1f} {prof['sql_kinds']}"))
    flush_redis(settings)
