"""Engines and sessions, with SMS dispatch tied to the commit.

Services record an :class:`~core.models.OutboundMessage` and remember its id
in ``session.info``; only after the transaction commits are the ids handed to
the dispatcher (an rq enqueue in the app, a list in a test). A job can never
run before its row exists, and a rolled-back submit sends nothing. The same
``info`` carries :class:`core.policies.Policies`, so every session the
sessionmaker opens (a request's, a job's, a command's) applies the same figures.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from core.policies import DEFAULT as DEFAULT_POLICIES
from core.policies import KEY as POLICIES_KEY
from core.policies import Policies

log = logging.getLogger(__name__)

PENDING_SMS = "pending_sms"
# Events core.events.write inserted past the unit of work, for a before_commit hook (the
# metrics) that would otherwise see only the ones flushed by the ORM.
WRITTEN_EVENTS = "written_events"
DISPATCH = "dispatch_sms"

# Committed OutboundMessage ids, and the committed session's info (where a commit hook may
# have left what it would write to the same server: see web's dispatcher) → whoever sends them.
Dispatcher = Callable[[list[int], dict[str, Any]], None]


def normalise_url(url: str) -> str:
    """``postgresql://`` and Heroku-style ``postgres://`` URLs use psycopg 3, which we ship."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; SQLite gets foreign keys, WAL and a busy timeout.

    ``hide_parameters``: a statement's parameters are what citizens wrote (and
    their numbers); an error's message, and so every logged traceback, leaves them out.
    """
    url = normalise_url(url)
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 15})
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.close()

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    return create_engine(url, **kwargs)


def make_sessionmaker(engine: Engine, dispatch: Dispatcher | None = None,
                      policies: Policies = DEFAULT_POLICIES) -> sessionmaker[Session]:
    """Sessions whose committed SMS go to ``dispatch``, carrying core's ``policies``."""
    factory = sessionmaker(bind=engine, expire_on_commit=False,
                           info={DISPATCH: dispatch, POLICIES_KEY: policies})
    event.listen(factory, "after_commit", _after_commit)
    event.listen(factory, "after_soft_rollback", _after_rollback)
    return factory


def _after_commit(session: Session) -> None:
    # SQLAlchemy fires after_commit on a SAVEPOINT's release too (``begin_nested``, as the
    # SMS handler uses): the outer transaction is still open and the rows are invisible to
    # the worker, whose job then finds nothing queued and the SMS waits for the sweeper.
    if session.in_nested_transaction():
        return
    ids: list[int] = session.info.pop(PENDING_SMS, [])
    dispatch = session.info.get(DISPATCH)
    if not ids or dispatch is None:
        return
    try:
        dispatch(ids, session.info)
    except Exception:  # the rows are committed as queued; the sweeper sends them later
        log.exception("could not dispatch %d SMS; they stay queued", len(ids))


def _after_rollback(session: Session, previous_transaction: Any) -> None:
    if previous_transaction.parent is None:  # only a rollback of the outermost transaction
        session.info.pop(PENDING_SMS, None)
        session.info.pop(WRITTEN_EVENTS, None)
