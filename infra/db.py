"""The database for the app: one engine, request-scoped sessions, sessions for jobs.

Views and jobs own their transaction and commit it; teardown rolls back
whatever was left uncommitted, so a failed request writes nothing. Read-only
pages take :func:`read_session` instead: the replica (``DATABASE_REPLICA_URL``)
when it is up and fresh, else the primary (see :mod:`infra.replica`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from flask import Flask, Response, current_app, g, request
from flask import session as cookie
from sqlalchemy import Engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from core.db import Dispatcher, make_engine, make_sessionmaker
from core.policies import DEFAULT as DEFAULT_POLICIES
from core.policies import KEY as POLICIES_KEY
from core.policies import Policies
from infra.replica import Replica

WROTE_UNTIL = "db_primary_until"  # in the officer's cookie: read the primary until then
WROTE = "wrote"                    # in a session's info: it flushed a change


@dataclass
class Database:
    engine: Engine
    sessionmaker: sessionmaker[Session]
    replica: Replica | None = None


Dispatch = Dispatcher  # committed OutboundMessage ids → whoever sends them (core.db)


def init_app(app: Flask, dispatch: Dispatch | None = None,
             policies: Policies = DEFAULT_POLICIES) -> None:
    """The engine and sessions; ``dispatch`` and ``policies`` come from the composition root.

    ``dispatch`` gets committed SMS ids; off when ``SMS_DISPATCH`` is false (tests
    that inspect the queued rows send nothing). Every session, the replica's too,
    carries ``policies`` for core.
    """
    # A SendWorker's threads each hold a connection while their SMS is sent (the row
    # lock that makes it exactly once); the pool opens connections only as needed.
    pool = max(10, int(app.config["WORKER_THREADS"]) + 2)
    engine = make_engine(app.config["DATABASE_URL"], pool_size=pool)
    replica = None
    if app.config.get("DATABASE_REPLICA_URL"):
        replica = Replica(app.config["DATABASE_REPLICA_URL"],
                          float(app.config["REPLICA_MAX_LAG"]),
                          float(app.config["REPLICA_CHECK_EVERY"]))
        replica.sessionmaker.configure(info={POLICIES_KEY: policies})
        app.after_request(_remember_write)
        app.register_error_handler(OperationalError, _replica_failed)
    factory = make_sessionmaker(engine, dispatch if app.config["SMS_DISPATCH"] else None,
                                policies)
    if replica is not None:
        event.listen(factory, "before_flush", _note_write)
    app.extensions["db"] = Database(engine, factory, replica)
    app.teardown_appcontext(_close_session)


def database(app: Flask | None = None) -> Database:
    db: Database = (app or current_app).extensions["db"]
    return db


def session() -> Session:
    """The request's (or job's app context's) session, opened on first use."""
    if "db_session" not in g:
        g.db_session = database().sessionmaker()
    s: Session = g.db_session
    return s


def read_sessionmaker() -> sessionmaker[Session]:
    """Sessions for a read-only page (an export streams from its own): replica or primary."""
    db = database()
    if db.replica is None or _wrote_recently() or not db.replica.usable():
        return db.sessionmaker
    return db.replica.sessionmaker


def read_session() -> Session:
    """The request's session for a read-only page: the replica when fit, else the primary's."""
    if "db_read_session" not in g:
        factory = read_sessionmaker()
        g.db_read_session = session() if factory is database().sessionmaker else factory()
    s: Session = g.db_read_session
    return s


def _wrote_recently() -> bool:
    """An officer who just wrote reads the primary: the replica may not have it yet."""
    until = cookie.get(WROTE_UNTIL) if request else None
    return isinstance(until, int | float) and until > time.time()


def _note_write(s: Session, flush_context: object, instances: object) -> None:
    """A flush that changes a row (not one that sets a value to what it was) is a write."""
    if s.new or s.deleted or any(s.is_modified(obj) for obj in s.dirty):
        s.info[WROTE] = True


def _remember_write(resp: Response) -> Response:
    """After a logged-in officer's write, their pages read the primary for the lag limit."""
    primary: Session | None = g.get("db_session")
    if primary is not None and primary.info.get(WROTE) and cookie.get("_user_id"):
        cookie[WROTE_UNTIL] = time.time() + float(current_app.config["REPLICA_MAX_LAG"]) + 1
    return resp


def _replica_failed(exc: OperationalError) -> Response:
    """The replica went away mid-page: say so (503, the next page reads the primary)."""
    if not g.get("replica_failed"):
        raise exc
    return Response("the read replica is unavailable; reload the page\n", 503,
                    mimetype="text/plain", headers={"Retry-After": "1"})


def _close_session(exc: BaseException | None) -> None:
    for name in ("db_read_session", "db_session"):
        s: Session | None = g.pop(name, None)
        if s is not None:
            s.rollback()
            s.close()
