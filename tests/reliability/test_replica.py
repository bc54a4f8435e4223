"""Read-only pages read a real streaming replica; writes and the writer's next pages, the primary.

The module starts its own primary (``initdb``) and a streaming replica of it
(``pg_basebackup -R``) on spare ports. Pausing the replica's replay makes the
two differ, so each page shows by what it lists which server it read.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, text

from bench.processes import PostgresServer, pg_bin
from core.db import make_engine, make_sessionmaker, normalise_url
from core.institutions import SHIPPED_CSV, import_file
from core.models import Feedback
from core.officers import create_officer
from core.services import Submission, submit_feedback
from infra.migrate import upgrade
from tests.conftest import PASSWORD
from web import create_app

REQUESTS = "/open311/v2/requests.json"


class Pair:
    def __init__(self, primary: PostgresServer, replica: PostgresServer) -> None:
        self.primary, self.replica = primary, replica
        self.replica_engine = create_engine(normalise_url(replica.url), pool_pre_ping=True)

    def sql(self, statement: str) -> Any:
        with self.replica_engine.connect() as conn:
            return conn.execute(text(statement)).scalar()

    def pause(self) -> None:
        """Stop the replica's replay, and wait until it has stopped (it is asynchronous)."""
        self.sql("SELECT pg_wal_replay_pause()")
        deadline = time.monotonic() + 10
        while self.sql("SELECT pg_get_wal_replay_pause_state()") != "paused":
            assert time.monotonic() < deadline, "the replica's replay did not pause"
            time.sleep(0.05)

    def resume(self) -> None:
        try:
            self.sql("SELECT pg_wal_replay_resume()")
        except Exception:  # the replica is stopped: nothing paused
            pass


@pytest.fixture(scope="module")
def pair() -> Iterator[Pair]:
    if pg_bin() is None:
        pytest.skip("no PostgreSQL server binaries (/usr/lib/postgresql/*/bin)")
    primary, replica = PostgresServer(), PostgresServer()
    try:
        primary.init()
        primary.start()
        upgrade(primary.url)
        factory = make_sessionmaker(make_engine(primary.url))
        with factory() as s:
            import_file(s, SHIPPED_CSV)
            create_officer(s, email="head@example.go.tz", name="Head", institution_code="TRA",
                           role="admin", password=PASSWORD)
            s.commit()
        factory.kw["bind"].dispose()
        replica.run("pg_basebackup", "-D", str(replica.data), "-h", "127.0.0.1", "-p",
                     str(primary.port), "-U", "postgres", "-X", "stream", "-R", "--no-sync")
        replica.start()
    except (subprocess.CalledProcessError, OSError, LookupError) as exc:
        pytest.skip(f"cannot run an own primary and replica here: {exc}")
    both = Pair(primary, replica)
    assert both.sql("SELECT pg_is_in_recovery()") is True
    yield both
    both.replica_engine.dispose()
    for server in (replica, primary):
        try:
            server.stop()
        except subprocess.CalledProcessError:
            pass
        server.remove()


@pytest.fixture
def make_app(pair: Pair, redis_url: str) -> Iterator[Callable[..., Flask]]:
    made: list[Flask] = []

    def make(**config: Any) -> Flask:
        app = create_app({"TESTING": True, "SECRET_KEY": "test", "EMBEDDED": True,
                          "DATABASE_URL": pair.primary.url,
                          "DATABASE_REPLICA_URL": pair.replica.url, "REDIS_URL": redis_url,
                          "WTF_CSRF_ENABLED": False, "SMS_DISPATCH": False,
                          "REPLICA_MAX_LAG": 1e6, "REPLICA_CHECK_EVERY": 0, **config})
        made.append(app)
        return app
    yield make
    pair.resume()
    if pair.replica.data.exists():
        try:
            pair.replica.start()
        except subprocess.CalledProcessError:
            pass  # it is running
    for app in made:
        app.extensions["db"].engine.dispose()
        app.extensions["db"].replica.engine.dispose()


def _new_feedback(app: Flask) -> str:
    """A public feedback written on the primary; its reference."""
    with app.extensions["db"].sessionmaker() as s:
        feedback: Feedback = submit_feedback(s, Submission(
            kind="complaint", channel="sms", institution_code="TRA",
            description="Barabara imeharibika", phone="0712345678"))
        s.commit()
        return feedback.reference


def _listed(client: Any) -> set[str]:
    resp = client.get(REQUESTS)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return {item["service_request_id"] for item in resp.get_json()}


def _login(app: Flask) -> Any:
    client = app.test_client()
    resp = client.post("/admin/login", data={"email": "head@example.go.tz",
                                             "password": PASSWORD})
    assert resp.status_code == 303
    return client


def test_read_only_pages_read_the_replica(pair: Pair, make_app) -> None:
    app = make_app()
    pair.pause()
    ref = _new_feedback(app)
    client = app.test_client()
    assert ref not in _listed(client)                      # Open311 list: the replica's rows
    assert client.get(f"/open311/v2/requests/{ref}.json").status_code == 404
    officer = _login(app)
    assert ref not in officer.get("/admin/export.csv").get_data(as_text=True)
    pair.resume()
    deadline = time.monotonic() + 10
    while ref not in _listed(client):                      # replayed: now the replica has it
        assert time.monotonic() < deadline, "the replica never caught up"
        time.sleep(0.1)


def test_an_officer_who_just_wrote_reads_the_primary(pair: Pair, make_app) -> None:
    app = make_app()
    officer = _login(app)
    pair.pause()
    ref = _new_feedback(app)
    assert ref not in officer.get("/admin/export.csv").get_data(as_text=True)
    assert officer.post("/admin/language", data={"language": "en"}).status_code in (302, 303)
    assert ref in officer.get("/admin/export.csv").get_data(as_text=True)  # own write: primary
    other = _login(app)                                    # an officer who wrote nothing
    assert ref not in other.get("/admin/export.csv").get_data(as_text=True)


def test_reads_fall_back_to_the_primary_when_the_replica_is_down(pair: Pair, make_app) -> None:
    app = make_app()
    pair.pause()
    ref = _new_feedback(app)
    client = app.test_client()
    assert ref not in _listed(client)
    pair.replica.stop()
    assert ref in _listed(client)                          # answered by the primary, 200


def test_reads_fall_back_when_the_replica_lags_past_the_limit(pair: Pair, make_app) -> None:
    app = make_app(REPLICA_MAX_LAG=1)
    pair.pause()
    ref = _new_feedback(app)
    time.sleep(1.5)                                        # the replay is now > 1 s behind
    assert app.extensions["db"].replica.lag() > 1
    assert ref in _listed(app.test_client())


def test_a_replica_lost_mid_page_is_a_503_then_the_primary(pair: Pair, make_app) -> None:
    app = make_app(REPLICA_CHECK_EVERY=3600)               # the probe would not notice in time
    pair.pause()
    ref = _new_feedback(app)
    client = app.test_client()
    assert ref not in _listed(client)
    pair.replica.stop()
    lost = client.get(REQUESTS)
    assert lost.status_code == 503 and lost.get_data(as_text=True).count("\n") == 1
    assert ref in _listed(client)                          # marked down: the primary answers
