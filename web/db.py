"""The database for the app: one engine, request-scoped sessions, sessions for jobs.

Views and jobs own their transaction and commit it; teardown rolls back
whatever was left uncommitted, so a failed request writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, g
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core.db import make_engine, make_sessionmaker


@dataclass
class Database:
    engine: Engine
    sessionmaker: sessionmaker[Session]


def init_app(app: Flask) -> None:
    # A SendWorker's threads each hold a connection while their SMS is sent (the row
    # lock that makes it exactly once); the pool opens connections only as needed.
    pool = max(10, int(app.config["WORKER_THREADS"]) + 2)
    engine = make_engine(app.config["DATABASE_URL"], pool_size=pool)
    app.extensions["db"] = Database(engine, make_sessionmaker(engine, _dispatcher(app)))
    app.teardown_appcontext(_close_session)


def _dispatcher(app: Flask):  # type: ignore[no-untyped-def]
    """Committed SMS ids go to rq (see sms.jobs); off in tests that inspect the queue rows."""
    if not app.config["SMS_DISPATCH"]:
        return None

    def dispatch(ids: list[int]) -> None:
        from sms.jobs import enqueue_messages
        from web.kv import queue

        enqueue_messages(queue(app), ids)

    return dispatch


def database(app: Flask | None = None) -> Database:
    db: Database = (app or current_app).extensions["db"]
    return db


def session() -> Session:
    """The request's (or job's app context's) session, opened on first use."""
    if "db_session" not in g:
        g.db_session = database().sessionmaker()
    s: Session = g.db_session
    return s


def _close_session(exc: BaseException | None) -> None:
    s: Session | None = g.pop("db_session", None)
    if s is not None:
        s.rollback()
        s.close()
