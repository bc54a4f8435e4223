"""The feedback tally: folding its appended rows, and checking it against the rows.

Triggers (migration 0003) append a signed row to ``feedback_tally`` for every
change of a feedback row; the dashboard sums them. :func:`squash` keeps that sum
cheap: for every key that gained rows since the last squash it writes the key's
total as one ``squashed`` row and deletes the rows it summed. Sums never change.

On PostgreSQL the squash runs in one REPEATABLE READ transaction, so the rows it
sums and the rows it deletes are the same rows even while feedback is being
written; a row committed meanwhile is left for the next squash. A transaction
advisory lock keeps two squashes (two schedulers, a retry) from overlapping.

:func:`drift` and :func:`rebuild` (``flask tally check`` / ``rebuild``) are for
the people who run it: a repair made with the triggers off is found and mended.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import (
    Date,
    Engine,
    Select,
    and_,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    select,
    text,
    true,
    tuple_,
)

from core.models import Feedback
from core.models import FeedbackTally as T
from core.status import OPEN_VALUES

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


def _day(postgres: bool, moment: Any) -> Any:
    """The UTC calendar day of a UTC timestamp, as the triggers compute it."""
    return cast(func.timezone("UTC", moment), Date) if postgres else func.date(moment)


def _seconds(postgres: bool, later: Any, earlier: Any) -> Any:
    if postgres:
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def counted(postgres: bool) -> list[Select[Any]]:
    """The tally computed from the feedback rows, one squashed row per key, per facet.

    The same definition as migration 0003's triggers, written once more as queries
    (a migration never imports application code); ``tests/core/test_tally.py``
    holds both to the dashboard counted from the rows.
    """
    f = Feedback
    keys = (f.institution_id, func.coalesce(f.appeal_institution_id, 0), f.escalated)
    zeros = [literal(0)] * 6
    closed = and_(f.status == "closed", f.closed_at.is_not(None))
    no_day = literal(date(1970, 1, 1), Date)
    facets: list[tuple[tuple[Any, ...], list[Any], Any]] = [
        (("status", *keys, "", f.status, no_day), [func.count(), *zeros], true()),
        (("due", *keys, "", "", _day(postgres, f.due_at)), [func.count(), *zeros],
         and_(f.status.in_(OPEN_VALUES), f.due_at.is_not(None))),
        (("day", *keys, f.kind, "", _day(postgres, f.created_at)), [
            func.count(), func.coalesce(func.sum(f.rating), 0), func.count(f.rating),
            func.coalesce(func.sum(_seconds(postgres, f.answered_at, f.created_at)), 0),
            func.count(f.answered_at),
            func.coalesce(func.sum(case((closed, _seconds(postgres, f.closed_at,
                                                         f.created_at)))), 0),
            func.count(case((closed, 1)))], true()),
    ]
    out = []
    for key, sums, where in facets:
        cols = [literal(c) if isinstance(c, str) else c for c in key]
        grouped = [c for c in key if not isinstance(c, str) and c is not no_day]
        out.append(select(*cols, *sums).where(where).group_by(*grouped))
    return out


def _norm(row: Any) -> tuple[Any, ...]:
    facet, inst, appeal, escalated, kind, status, day = row[:7]
    return (facet, int(inst), int(appeal), bool(escalated), kind, status, str(day)[:10])


def drift(engine: Engine) -> int:
    """How many keys the tally counts differently from the rows (0: it is right)."""
    postgres = engine.dialect.name == "postgresql"
    with engine.connect() as conn:
        want = {_norm(r): r[7:] for q in counted(postgres) for r in conn.execute(q)}
        have = {_norm(r): r[7:] for r in conn.execute(
            select(*KEYS, *(func.sum(c) for c in SUMS)).group_by(*KEYS))}
    differ = 0
    for key in want.keys() | have.keys():
        a, b = want.get(key, (0,) * 7), have.get(key, (0,) * 7)
        if not a[0] and not b[0]:
            continue  # a key whose rows all moved on: no rows either way
        if any(abs(float(x or 0) - float(y or 0)) > 1.0 for x, y in zip(a, b, strict=True)):
            differ += 1
    return differ


def rebuild(engine: Engine) -> int:
    """Replace the tally with one counted from the rows; returns the rows written.

    For when the triggers were switched off (a bulk repair with
    ``DISABLE TRIGGER USER``) or :func:`drift` finds a difference. On PostgreSQL
    writers of feedback wait for it (``SHARE`` lock), so nothing is counted twice.
    """
    postgres = engine.dialect.name == "postgresql"
    names = [*(c.key for c in KEYS), *(c.key for c in SUMS)]
    with engine.begin() as conn:
        if postgres:
            conn.execute(text("LOCK TABLE feedback IN SHARE MODE"))
        conn.execute(delete(T))
        for query in counted(postgres):
            conn.execute(insert(T).from_select([*names, "squashed"],
                                               query.add_columns(literal(True))))
        return int(conn.scalar(select(func.count()).select_from(T)) or 0)


__all__ = ["counted", "drift", "rebuild", "squash"]
