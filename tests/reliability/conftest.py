"""Servers this suite owns, so it can stop and start them: never the machine's shared ones.

``own_redis`` is a redis-server on a spare port; ``own_postgres`` a PostgreSQL
cluster made with ``initdb`` in a temporary directory (as the ``postgres`` user
when the suite runs as root). ``fault_app`` is the real app on both of them.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from sqlalchemy import MetaData, text
from werkzeug.exceptions import HTTPException

from core.institutions import SHIPPED_CSV, import_file
from infra.migrate import upgrade
from web import create_app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def assert_mounted(app: Flask, path: str) -> None:
    """Fail, never skip, when a channel's route is gone: a property test run against a 404
    would hold nothing, and a removed route must show as a failure, not a quiet skip."""
    adapter = app.url_map.bind("localhost")
    try:
        adapter.match(path, method="POST")
    except HTTPException as exc:  # NotFound / MethodNotAllowed
        pytest.fail(f"POST {path} is not mounted: {exc.name}")


class RedisServer:
    def __init__(self, workdir: Path) -> None:
        self.port, self.dir = free_port(), workdir
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [shutil.which("redis-server") or "redis-server", "--port", str(self.port),
             "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(self.dir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=self.port)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("own redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None


@pytest.fixture(scope="session")
def own_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    if not shutil.which("redis-server"):
        pytest.skip("no redis-server binary on this machine")
    server = RedisServer(tmp_path_factory.mktemp("own-redis"))
    server.start()
    yield server
    server.stop()


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


class PostgresServer:
    """A throw-away cluster; as root, every pg_ctl runs as the postgres user."""

    def __init__(self, bindir: Path) -> None:
        self.bin, self.port = bindir, free_port()
        self.root = Path(tempfile.mkdtemp(prefix="mrejesho-pg-"))
        self.data = self.root / "data"
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            shutil.chown(self.root, "postgres", "postgres")

    def _run(self, *args: str) -> None:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       cwd=self.root)

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
                  "--no-sync", "-E", "UTF8")

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-w", "-t", "30", "-l",
                  str(self.root / "log"), "-o",
                  f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off",
                  "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-w", "-m", "immediate", "stop")


@pytest.fixture(scope="session")
def own_postgres() -> Iterator[PostgresServer]:
    bindir = _pg_bin()
    if bindir is None:
        pytest.skip("no PostgreSQL server binaries (/usr/lib/postgresql/*/bin)")
    try:
        server = PostgresServer(bindir)
        server.init()
        server.start()
    except (subprocess.CalledProcessError, OSError, LookupError) as exc:
        pytest.skip(f"cannot run an own PostgreSQL here: {exc}")
    yield server
    try:
        server.stop()
    except subprocess.CalledProcessError:
        pass
    shutil.rmtree(server.root, ignore_errors=True)


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
