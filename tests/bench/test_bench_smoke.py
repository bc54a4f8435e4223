"""Smoke tests: the bench's code runs on tiny sizes. No timing is ever asserted."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest
from flask import Flask

from bench import loader, plans, profiling, report, sms
from bench.baseline import create_app as create_baseline
from bench.prepare import check_targets
from bench.processes import free_port
from bench.settings import Settings
from core.references import parse_reference


def test_figures_compare_with_their_targets(tmp_path: Path) -> None:
    rep = report.Report()
    rep.add(report.Figure("s", "fast", 350, "/s", 300, ">="),
            report.Figure("s", "big", 2048, "B", 1024, "<="),
            report.Figure("s", "plain", 1.5, "ms"))
    rep.pending("s", "later", "ms", "not landed", 300, "<=")
    assert [f.status for f in rep.figures] == ["ok", "MISS", "info", "pending"]
    printed = report.table(rep)
    assert "fast" in printed and ">= 300" in printed and "not landed" in printed
    out = tmp_path / "results.json"
    report.write_json(rep, out, {"rows": 1})
    doc = json.loads(out.read_text())
    assert doc["figures"][0]["name"] == "fast" and doc["machine"]["cores"]


@pytest.mark.parametrize("url, ok", [
    ("postgresql://postgres@127.0.0.1/test", False),
    ("postgresql://postgres@127.0.0.1/bench", True),
])
def test_the_bench_refuses_ci_database(url: str, ok: bool) -> None:
    settings = Settings(database_url=url, redis_url="redis://127.0.0.1:6379/15")
    if ok:
        check_targets(settings)
    else:
        with pytest.raises(SystemExit):
            check_targets(settings)


def test_the_bench_refuses_redis_db_0() -> None:
    with pytest.raises(SystemExit):
        check_targets(Settings(database_url="postgresql://x@h/bench",
                               redis_url="redis://127.0.0.1:6379/0"))


def test_loader_rows_are_well_formed() -> None:
    fb, ev = loader._lines(1, 50, [1, 2, 3], [3.0, 2.0, 1.0],
                           __import__("random").Random(1), loader.datetime.now(loader.UTC))
    rows = [line.split("\t") for line in fb.splitlines()]
    assert len(rows) == 50 and all(len(r) == len(loader.FEEDBACK_COLS) for r in rows)
    refs = {r[1] for r in rows}
    assert len(refs) == 50 and all(parse_reference(ref) == ref for ref in refs)
    assert all(len(line.split("\t")) == len(loader.EVENT_COLS) for line in ev.splitlines())


def test_baseline_does_a_get_and_a_set(redis_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", redis_url)
    client = create_baseline().test_client()
    first = client.post("/ussd/africastalking", data={"sessionId": "s1", "text": "9"})
    second = client.post("/ussd/africastalking", data={"sessionId": "s1", "text": "9*2"})
    assert first.get_data(as_text=True) == "CON "
    assert second.get_data(as_text=True) == "CON 9"


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
@pytest.mark.parametrize("server", ["granian", "gunicorn"])
def test_wrk_drives_the_baseline_under_the_web_server(redis_url: str, server: str) -> None:
    from bench.loadgen import run_wrk, serve, walk
    from bench.prepare import server_env

    # A port of its own: under xdist the two servers run at once, on two workers.
    settings = Settings(workers=1, connections=2, port=free_port(), server=server)
    env = server_env(settings) | {"REDIS_URL": redis_url}
    with serve(settings, "bench.baseline:app", env) as base:
        assert walk(base, ["", "9"], "smoke")[1] == "CON "
        result = run_wrk(settings, base, ["", "9"], seconds=1, connections=2)
        fresh = run_wrk(settings, base, ["", "9"], seconds=1, connections=2, fresh=True)
    assert result["requests"] > 0 and result["p99_ms"] >= result["p50_ms"]
    assert fresh["requests"] > 0 and sum(fresh["errors"].values()) == 0


def test_plans_capture_and_time(app: Flask) -> None:
    from sqlalchemy import text

    engine = app.extensions["db"].engine
    with plans.capture(engine) as seen, engine.connect() as conn:
        conn.execute(text("SELECT count(*) FROM institution")).scalar()
    assert any("institution" in s for s, _ in seen)
    timing = plans.timed(lambda: None, repeat=2)
    assert set(timing) == {"cold_ms", "median_ms", "max_ms"}
    if engine.dialect.name == "postgresql":
        explained = plans.explain(engine, seen)
        assert explained and "institution" in plans.summary(explained)


def test_profiling_summarises_a_submit(app: Flask) -> None:
    prof = profiling.profile("smoke-submit", app, profiling._submit_op(app), 3)
    assert prof["ops"] == 3 and prof["sql_statements_per_op"] > 0
    # PostgreSQL writes a submission in one statement of CTEs, SQLite in several
    assert any(k.startswith(("INSERT INTO feedback", "WITH … INSERT INTO")) and "feedback" in k
               for k in prof["sql_kinds"]), prof["sql_kinds"]


def test_sms_rate_runs_over_a_corpus() -> None:
    assert sms.rate(str.upper, ["LALAMIKO TRA: kodi", "HALI 1234567890"]) > 0
    assert isinstance(sms.corpus(), list)


@pytest.mark.skipif(not (os.environ.get("DATABASE_URL") or "").startswith("postgres"),
                    reason="the COPY loader is for PostgreSQL")
def test_loader_tops_up_a_postgresql_table(app: Flask, database_url: str) -> None:
    """Through the ``app`` fixture: the schema is migrated and the rows are cleaned after."""
    url = database_url  # under xdist, this worker's own database
    result = loader.load(url, 30, progress=False)
    assert result["rows"] == 30
    assert loader.load(url, 30, progress=False)["loaded"] == 0


def test_loader_leaves_out_a_reference_a_submission_drew(app: Flask, database_url: str,
                                                        make_feedback) -> None:
    """The submitting sections may run before the table is filled: their random references
    share the loader's space, and a collision must not fail the load."""
    from sqlalchemy import update

    from core.models import Feedback

    first = make_feedback()
    with app.extensions["db"].sessionmaker() as session:  # what the loader draws for id 2
        session.execute(update(Feedback).where(Feedback.id == first.id)
                        .values(reference=loader.reference(first.id + 1)))
        session.commit()
    result = loader.load(database_url, 30, progress=False)
    assert (result["skipped"], result["loaded"], result["rows"]) == (1, 28, 29)


def test_bench_runs_as_a_module() -> None:
    assert (Path(sys.modules["bench"].__file__).parent / "__main__.py").exists()


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
def test_the_submission_walk_counts_the_feedback_it_made(app: Flask, database_url: str,
                                                         redis_url: str) -> None:
    """Its figure is feedback rows, not hops over the walk's length: a run that ends
    mid-walk, or walks that never reach the confirm hop, submit nothing."""
    from sqlalchemy import func, select

    from bench.ussd import SUBMIT_WALK, submit_walk
    from core.models import Feedback

    settings = Settings(workers=1, connections=2, duration=3, port=free_port(),
                        database_url=database_url, redis_url=redis_url)
    made = submit_walk(settings, report.Report())
    with app.extensions["db"].sessionmaker() as session:
        rows = session.scalar(select(func.count()).select_from(Feedback))
    assert made["feedback"] == rows - 1  # the walk that checks the path first made one
    hops = made["rps"] * made["seconds"]
    assert 0 < made["feedback"] < hops / len(SUBMIT_WALK)  # the first walks are cut short
