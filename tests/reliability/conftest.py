"""Servers this suite owns, so it can stop and start them: never the machine's shared ones.

``own_redis`` is a redis-server on a spare port; ``own_postgres`` a PostgreSQL
cluster made with ``initdb`` in a temporary directory (as the ``postgres`` user
when the suite runs as root), both started by :mod:`bench.processes` as the bench's
are. ``fault_app`` is the real app on both of them.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
from flask import Flask
from sqlalchemy import MetaData, text
from werkzeug.exceptions import HTTPException

from bench.processes import PostgresServer, RedisServer
from core.institutions import SHIPPED_CSV, import_file
from infra.migrate import upgrade
from web import create_app


def assert_mounted(app: Flask, path: str) -> None:
    """Fail, never skip, when a channel's route is gone: a property test run against a 404
    would hold nothing, and a removed route must show as a failure, not a quiet skip."""
    adapter = app.url_map.bind("localhost")
    try:
        adapter.match(path, method="POST")
    except HTTPException as exc:  # NotFound / MethodNotAllowed
        pytest.fail(f"POST {path} is not mounted: {exc.name}")


@pytest.fixture(scope="session")
def own_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    if not shutil.which("redis-server"):
        pytest.skip("no redis-server binary on this machine")
    server = RedisServer(tmp_path_factory.mktemp("own-redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def own_postgres() -> Iterator[PostgresServer]:
    try:
        server = PostgresServer()
        server.init()
        server.start()
    except (subprocess.CalledProcessError, OSError, LookupError) as exc:
        pytest.skip(f"cannot run an own PostgreSQL here: {exc}")
    yield server
    try:
        server.stop()
    except subprocess.CalledProcessError:
        pass
    server.remove()


@pytest.fixture(scope="session")
def fault_app(own_postgres: PostgresServer, own_redis: RedisServer) -> Iterator[Flask]:
    """The real app on servers this suite may stop."""
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "EMBEDDED": True,
                      "DATABASE_URL": own_postgres.url, "REDIS_URL": own_redis.url,
                      "WTF_CSRF_ENABLED": True})
    upgrade(own_postgres.url)
    with app.extensions["db"].sessionmaker() as session:
        import_file(session, SHIPPED_CSV)
        session.commit()
    yield app
    app.extensions["db"].engine.dispose()


@pytest.fixture
def fault_env(fault_app: Flask, own_postgres: PostgresServer,
              own_redis: RedisServer) -> Iterator[dict[str, Any]]:
    """Both servers up before and after each test; feedback tables and Redis emptied."""
    yield {"app": fault_app, "pg": own_postgres, "redis": own_redis}
    if own_redis.proc is None:
        own_redis.start()
    try:
        own_postgres.start()
    except subprocess.CalledProcessError:
        pass  # already running
    engine = fault_app.extensions["db"].engine
    engine.dispose()
    meta = MetaData()
    meta.reflect(engine)
    names = [t.name for t in meta.sorted_tables
             if t.name not in ("institution", "alembic_version")]
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE"))
    redis.Redis.from_url(own_redis.url).flushall()


@pytest.fixture
def wait_until() -> Callable[..., None]:
    def wait(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        end = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > end:
                raise AssertionError("condition not met in time")
            time.sleep(0.05)
    return wait
