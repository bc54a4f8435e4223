"""Committed SMS reach the dispatcher only once another connection can read them.

A job that runs before its row is visible finds nothing queued and ends; the SMS then
waits minutes for the sweeper. SQLAlchemy's ``after_commit`` also fires when a SAVEPOINT
is released, while the outer transaction is still open.
"""

from __future__ import annotations

from sqlalchemy import select

from core.db import make_sessionmaker
from core.models import OutboundMessage
from core.notify import queue_sms


def test_an_sms_queued_in_a_savepoint_is_dispatched_at_the_outer_commit(app) -> None:
    engine = app.extensions["db"].engine
    seen: list[tuple[list[int], list[str]]] = []

    def dispatch(ids: list[int], info: dict) -> None:  # what the worker's connection reads
        with engine.connect() as other:
            seen.append((ids, list(other.scalars(
                select(OutboundMessage.status).where(OutboundMessage.id.in_(ids))))))

    with make_sessionmaker(engine, dispatch)() as session:
        with session.begin_nested():
            msg = queue_sms(session, phone="+255712000001", text="Hali", purpose="reply")
        assert msg is not None and seen == []  # the savepoint's release is not the commit
        session.commit()
    assert seen == [([msg.id], ["queued"])]
