"""The admin's queries against a million feedback rows in PostgreSQL, each with its plan."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from bench import loader, plans
from bench.prepare import bench_app
from bench.report import Figure, Report
from bench.settings import Settings
from core.tally import squash

SECTION = "scale"
TARGET_MS = 300.0

Query = Callable[[Session], Any]


def _reference_lookup(session: Session) -> Query:
    from core.services import find_feedback

    ref = session.scalar(text("SELECT reference FROM feedback WHERE id = "
                              "(SELECT max(id) / 2 FROM feedback)"))

    def run(s: Session) -> Any:
        return find_feedback(s, ref).id
    return run


def queries(session: Session) -> dict[str, Query]:
    """The timed look-ups: the admin's own functions where they exist."""
    from bench import admin_queries

    found: dict[str, Query] = {"reference lookup": _reference_lookup(session)}
    if importlib.util.find_spec("core.queries") is not None:
        found.update({f"admin: {k}": v for k, v in admin_queries.build(session).items()})
    found.update(admin_queries.reference(session))
    return found


def run(settings: Settings, report: Report) -> None:
    load = loader.load(settings.database_url, settings.rows)
    report.details["scale_load"] = load
    if load["loaded"]:
        rate = load["loaded"] / max(load["seconds"], 0.001)
        report.add(Figure(SECTION, f"COPY load of {load['loaded']:,} rows", rate, "rows/s",
                          note=f"{load['seconds']}s incl. events and VACUUM ANALYZE"))
    app = bench_app(settings)
    engine = app.extensions["db"].engine
    # Earlier runs' submit sections appended tally rows with no scheduler to fold them;
    # production squashes every minute (web.schedule), so measure what it leaves.
    report.details["scale_squashed_rows"] = squash(engine)
    with app.app_context(), app.extensions["db"].sessionmaker() as session:
        total = session.scalar(select(func.count()).select_from(text("feedback")))
        found = queries(session)
        session.rollback()
        for name, fn in found.items():
            _measure(report, engine, session, name, fn, total or 0)
        if not any(name.startswith("admin:") for name in found):
            report.pending(SECTION, "admin inbox and dashboard", "ms",
                           "core/queries.py has not landed", TARGET_MS, "<=")


def _measure(report: Report, engine: Any, session: Session, name: str, fn: Query,
             total: int) -> None:
    def call() -> Any:
        out = fn(session)
        session.rollback()  # a query that writes (a viewed Event) leaves nothing behind
        return out

    with plans.capture(engine) as seen:
        call()
    timing = plans.timed(call)
    explained = plans.explain(engine, seen)
    report.details.setdefault("scale_queries", {})[name] = {**timing, "plans": explained}
    flag = " SEQ SCAN ON A BIG TABLE" if any(p["big_seq_scan"] for p in explained) else ""
    report.add(Figure(SECTION, f"{name} ({total:,} rows)", timing["median_ms"], "ms",
                      TARGET_MS, "<=",
                      note=f"cold {timing['cold_ms']:.1f} ms, max {timing['max_ms']:.1f} "
                           f"ms; plan: {plans.summary(explained)}{flag}"))
