"""Folding the feedback tally's appended rows into one row per key.

Triggers (migration 0003) append a signed row to ``feedback_tally`` for every
change of a feedback row; the dashboard sums them. :func:`squash` keeps that sum
cheap: for every key that gained rows since the last squash it writes the key's
total as one ``squashed`` row and deletes the rows it summed. Sums never change.

On PostgreSQL the squash runs in one REPEATABLE READ transaction, so the rows it
sums and the rows it deletes are the same rows even while feedback is being
written; a row committed meanwhile is left for the next squash. A transaction
advisory lock keeps two squashes (two schedulers, a retry) from overlapping.
"""

from __future__ import annotations

from sqlalchemy import Engine, and_, delete, func, insert, literal, select, tuple_

from core.models import FeedbackTally as T

KEYS = (T.facet, T.institution_id, T.appeal_institution_id, T.escalated, T.kind, T.status,
        T.day)
SUMS = (T.n, T.rating_sum, T.rating_n, T.answer_seconds, T.answered_n, T.close_seconds,
        T.closed_n)
LOCK = 0x6d72_7461  # "mrta": pg_try_advisory_xact_lock's key for the squash


def squash(engine: Engine) -> int:
    """Fold every key's appended rows into one; returns how many rows were removed."""
    postgres = engine.dialect.name == "postgresql"
    options = {"isolation_level": "REPEATABLE READ"} if postgres else {}
    with engine.connect().execution_options(**options) as conn, conn.begin():
        if postgres and not conn.scalar(select(func.pg_try_advisory_xact_lock(LOCK))):
            return 0
        top = conn.scalar(select(func.max(T.id)).where(T.squashed.is_(False)))
        if top is None:
            return 0
        touched = select(*KEYS).where(T.squashed.is_(False), T.id <= top).distinct()
        mine = and_(T.id <= top, tuple_(*KEYS).in_(touched))
        conn.execute(insert(T).from_select(
            [*(c.key for c in KEYS), *(c.key for c in SUMS), "squashed"],
            select(*KEYS, *(func.sum(c) for c in SUMS), literal(True))
            .where(mine).group_by(*KEYS).having(func.sum(T.n) != 0)))
        return conn.execute(delete(T).where(mine)).rowcount


__all__ = ["squash"]
