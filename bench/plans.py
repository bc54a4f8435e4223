"""Time a piece of database code and EXPLAIN every SELECT it sent, whatever layer sent it.

The statements are caught at the engine (``before_cursor_execute``), so the admin's
query functions, a service or a whole page through the test client are measured the
same way, and the plan shown is the plan of the SQL that really ran.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event


@contextmanager
def capture(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    seen: list[tuple[str, Any]] = []

    def listener(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
                 executemany: bool) -> None:
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def timed(fn: Callable[[], Any], repeat: int = 5) -> dict[str, float]:
    """One cold call, then ``repeat`` warm ones; milliseconds."""
    t0 = time.perf_counter()
    fn()
    cold = (time.perf_counter() - t0) * 1e3
    warm = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        warm.append((time.perf_counter() - t0) * 1e3)
    return {"cold_ms": cold, "median_ms": statistics.median(warm), "max_ms": max(warm)}


def _walk(node: dict[str, Any], out: list[str]) -> None:
    kind = node.get("Node Type", "?")
    if node.get("Index Name"):
        out.append(f"{kind} using {node['Index Name']}")
    elif kind in ("Seq Scan", "Bitmap Heap Scan") or node.get("Relation Name"):
        out.append(f"{kind} on {node.get('Relation Name', '?')}")
    for child in node.get("Plans", []):
        _walk(child, out)


def explain(engine: Engine, statements: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    """Each distinct SELECT's scans (index names, or seq scans) and its execution time."""
    plans, done = [], set()
    with engine.connect() as conn:
        for statement, params in statements:
            if not statement.lstrip().upper().startswith("SELECT") or statement in done:
                continue
            done.add(statement)
            raw = conn.exec_driver_sql("EXPLAIN (ANALYZE, FORMAT JSON) " + statement,
                                       params).scalar()
            doc = raw if isinstance(raw, list) else json.loads(raw)
            scans: list[str] = []
            _walk(doc[0]["Plan"], scans)
            plans.append({"sql": " ".join(statement.split())[:300], "scans": scans,
                          "execution_ms": doc[0].get("Execution Time"),
                          "big_seq_scan": any(s.startswith("Seq Scan on feedback") or
                                              s.startswith("Seq Scan on event")
                                              for s in scans)})
        conn.rollback()
    return plans


def summary(plans: list[dict[str, Any]]) -> str:
    scans: list[str] = []
    for p in plans:
        for s in p["scans"]:
            if s not in scans:
                scans.append(s)
    return "; ".join(scans) or "no SELECT"
