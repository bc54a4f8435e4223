"""The desk's queries as the bench times them: each runs, and the open queue keeps an index.

``make bench`` times them at a million rows; here they run on a few rows, and on
PostgreSQL the plan of the inbox's first page must be able to read a partial
index of open rows (migration 0009_desk) rather than the whole table.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from bench import admin_queries
from core import queries
from core.models import utcnow


def test_every_admin_query_of_the_bench_runs(session, make_feedback) -> None:
    for i in range(5):
        make_feedback(institution_code="TRA" if i % 2 else "NIDA")
    for name, run in {**admin_queries.build(session), **admin_queries.reference(session)}.items():
        run(session)
        session.rollback()
        assert name


def test_the_open_queue_reads_the_partial_index_in_due_order(session, make_feedback,
                                                             make_officer) -> None:
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("the plan is PostgreSQL's")
    officer = make_officer("TRA")
    for i in range(30):
        fb = make_feedback(channel="web", phone=None)
        fb.due_at = utcnow() + timedelta(hours=i)
    session.commit()
    stmt = queries.filtered(session, officer, queries.InboxFilter()).limit(26)
    sql = stmt.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    session.execute(text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(r[0] for r in session.execute(text(f"EXPLAIN {sql}")))
    session.rollback()
    assert "ix_feedback_open_due" in plan or "ix_feedback_open_inst_due" in plan, plan
