"""Real parts: a real Redis and a real SQL database for every test.

``DATABASE_URL``/``REDIS_URL`` select servers (CI: PostgreSQL and Redis);
otherwise a SQLite file and an embedded redis-server in a temporary directory.
Under ``pytest -n`` each xdist worker gets its own of both, so that one worker's
cleaning never empties what another is testing: database ``<name>_gw0`` (made
on demand) and Redis database ``<db> + 1 + n``, or the n-th of the comma-separated
``XDIST_REDIS_DBS`` where the next numbers belong to someone else.
The schema is built by the Alembic migrations, the institution directory is
imported once, and every test starts from empty feedback tables and an empty Redis.
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
from _pytest.nodeid import coerce_node_id
from flask import Flask
from sqlalchemy import MetaData, make_url, text
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from core.db import make_engine
from core.institutions import SHIPPED_CSV, import_file
from core.models import Base, Feedback, Officer
from core.officers import create_officer
from core.services import Submission, submit_feedback
from infra import kv
from infra.migrate import upgrade
from web import create_app
from web.worker import EmbeddedWorker

PASSWORD = "correct horse battery"
CHROMIUM = "/usr/bin/chromium"  # Debian's, driven by Playwright; make test installs it


def _worker() -> int | None:
    """This process's xdist worker number (``gw3`` is 3), or None when the run is serial."""
    name = os.environ.get("PYTEST_XDIST_WORKER", "")
    return int(name[2:]) if name.startswith("gw") else None


def _worker_redis(url: str, n: int) -> str:
    """The worker's own Redis database on the same server."""
    chosen = os.environ.get("XDIST_REDIS_DBS", "").split(",")
    parts = urlsplit(url)
    db = int(chosen[n]) if n < len(chosen) and chosen[n] else int(parts.path[1:] or 0) + 1 + n
    return urlunsplit(parts._replace(path=f"/{db}"))


def _worker_database(url: str, n: int) -> str:
    """The worker's own PostgreSQL database beside the named one, created if missing."""
    base = make_url(url)
    own = base.set(database=f"{base.database}_gw{n}")
    admin = make_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                       {"n": own.database}) is None:
            conn.execute(text(f'CREATE DATABASE "{own.database}"'))
    admin.dispose()
    return own.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if os.environ.get("REDIS_URL"):
        n = _worker()
        yield os.environ["REDIS_URL"] if n is None else _worker_redis(os.environ["REDIS_URL"], n)
        return
    embedded = kv.Redis(None, tmp_path_factory.mktemp("redis"))
    yield embedded.url
    embedded.close()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:  # under xdist every worker has a temporary directory of its own
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    n = _worker()
    return url if n is None or not url.startswith("postgresql") else _worker_database(url, n)


@pytest.fixture(scope="session")
def app(database_url: str, redis_url: str,
        tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    app = create_app({
        "TESTING": True, "DATABASE_URL": database_url, "REDIS_URL": redis_url,
        "SECRET_KEY": "test", "EMBEDDED": True, "WTF_CSRF_ENABLED": True,
    })
    engine = app.extensions["db"].engine
    _drop_everything(engine)
    upgrade(database_url)
    with app.extensions["db"].sessionmaker() as session:
        import_file(session, SHIPPED_CSV)
        session.commit()
    yield app
    engine.dispose()


def _drop_everything(engine: Any) -> None:
    meta = MetaData()
    meta.reflect(engine)
    meta.drop_all(engine)


FEEDBACK_TABLES = [t.name for t in reversed(Base.metadata.sorted_tables)
                   if t.name != "institution"]


@pytest.fixture(autouse=True)
def _clean(request: pytest.FixtureRequest) -> Iterator[None]:
    """Empty every table but the directory, and the Redis database, after each test."""
    yield
    if "app" not in request.fixturenames:
        return
    app: Flask = request.getfixturevalue("app")
    engine = app.extensions["db"].engine
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(FEEDBACK_TABLES)} RESTART IDENTITY CASCADE"))
        else:
            for table in FEEDBACK_TABLES:
                conn.execute(text(f"DELETE FROM {table}"))
    kv.client(app).flushdb()


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    with app.extensions["db"].sessionmaker() as s:
        yield s


@pytest.fixture
def redis_client(app: Flask) -> redis.Redis:
    return kv.client(app)


@pytest.fixture
def client(app: Flask) -> Any:
    return app.test_client()


@pytest.fixture
def run_jobs(app: Flask) -> Callable[[], None]:
    """Run every queued rq job now, in this process, as the embedded worker would."""
    def run() -> None:
        worker = EmbeddedWorker([kv.queue(app)], connection=kv.client(app), app=app)
        worker.work(burst=True, logging_level="WARNING")
    return run


@pytest.fixture
def make_officer(session: Session) -> Callable[..., Officer]:
    counter = iter(range(1, 10_000))

    def make(institution: str = "TRA", role: str = "officer", **kw: Any) -> Officer:
        n = next(counter)
        officer = create_officer(session, email=kw.pop("email", f"officer{n}@example.go.tz"),
                                 name=kw.pop("name", f"Afisa {n}"), institution_code=institution,
                                 role=role, password=kw.pop("password", PASSWORD), **kw)
        session.commit()
        return officer
    return make


@pytest.fixture
def make_feedback(session: Session) -> Callable[..., Feedback]:
    def make(**kw: Any) -> Feedback:
        fields: dict[str, Any] = {
            "kind": "complaint", "channel": "sms", "institution_code": "TRA",
            "description": "Nimesubiri TIN kwa wiki tatu", "phone": "0712345678"}
        fields.update(kw)
        feedback = submit_feedback(session, Submission(**fields))
        session.commit()
        return feedback
    return make


@pytest.fixture
def shipped_csv() -> Path:
    return SHIPPED_CSV


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The test app on a real socket, served in a thread as the embedded default serves it."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()


OWN_SERVERS = {"own_redis", "own_postgres", "fault_app", "fault_env"}
ONE_WORKER_MODULES = {"test_replica", "test_sentinel"}  # a module-scoped pair of servers


def _unique_nodeids(items: list[pytest.Item]) -> None:
    """schemathesis gives each of its operations the one node id of the test function; xdist
    keys tests by node id and would run one operation of twenty (silently, all "passed"), so
    a shared id takes the item's own name (``test_x[POST /ussd/beem]``)."""
    seen = Counter(item.nodeid for item in items)
    for item in items:
        if seen[item.nodeid] > 1:  # pytest 9 keeps the id in ``_id``; setup.cfg pins pytest<10
            item._id = coerce_node_id(f"{item.nodeid.rpartition('::')[0]}::{item.name}")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under ``pytest -n --dist loadgroup``, tests that start servers of their own run on one
    worker: each worker would otherwise ``initdb`` its own PostgreSQL cluster (or start its
    own replica pair), doubling the heaviest set-up on a two-core machine. Serial: no effect."""
    _unique_nodeids(items)
    for item in items:
        owner = getattr(item, "module", None)
        module = owner.__name__.rsplit(".", 1)[-1] if owner else ""
        if OWN_SERVERS.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.xdist_group("own-servers"))
        elif module in ONE_WORKER_MODULES:
            item.add_marker(pytest.mark.xdist_group(module))
