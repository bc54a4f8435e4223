"""Exactly one feedback per draft when the submit dies after its COMMIT.

A gunicorn worker SIGKILLed between the COMMIT and the session save, or Redis
refusing writes at that moment: the aggregator's retry, and the citizen's
redial of the kept draft, get the first reference; nothing is stored twice, and
the citizen is never told it failed while it was stored.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
import requests
from sqlalchemy import func, select, text

from core.models import Feedback
from tests.reliability.conftest import assert_mounted
from tests.reliability.phone import SUBMIT, Phone, counts
from tests.reliability.web_server import TOKEN, Gunicorn, HttpClient


def _blocked_insert(engine: Any) -> bool:
    with engine.connect() as conn:
        return bool(conn.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND query ILIKE '%INSERT INTO feedback%'")).scalar())  # or WITH … AS (INSERT


def _stored(app: Any) -> list[str]:
    with app.extensions["db"].sessionmaker() as s:
        return list(s.scalars(select(Feedback.reference)))


def _to_confirm(phone: Phone) -> None:
    phone.dial()
    for value in SUBMIT:
        body = phone.send(value)
    assert body.startswith("CON "), body


def _submit_held(app: Any, phone: Phone, wait_until: Callable[..., None],
                 at_commit: Callable[[], None]) -> dict[str, Any]:
    """Send the submit hop with the feedback INSERT held on a row lock; run ``at_commit``
    while it waits, then let it commit. Returns what the hop answered (or raised)."""
    engine = app.extensions["db"].engine
    result: dict[str, Any] = {}

    def submit() -> None:
        try:
            result["body"] = phone.send("1")
        except (requests.RequestException, AssertionError) as exc:
            result["error"] = exc

    with engine.connect() as locker:
        locker.begin()
        locker.execute(text("SELECT id FROM institution FOR UPDATE"))  # FK checks wait on it
        thread = threading.Thread(target=submit)
        thread.start()
        wait_until(lambda: _blocked_insert(engine), timeout=30)
        at_commit()
        locker.rollback()
    result["thread"] = thread
    return result


@pytest.fixture(scope="module")
def gunicorn(fault_app, own_postgres, own_redis, tmp_path_factory) -> Iterator[Gunicorn]:
    server = Gunicorn(own_postgres.url, own_redis.url,
                      tmp_path_factory.mktemp("gunicorn") / "gunicorn.log")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def killed_after_commit(fault_env, gunicorn, wait_until) -> Iterator[Phone]:
    """A phone whose submit committed and whose worker was SIGKILLed before the save."""
    app = fault_env["app"]
    assert_mounted(app, "/ussd/africastalking")
    rd = redis.Redis.from_url(fault_env["redis"].url)
    phone = Phone(HttpClient(gunicorn.url), token=TOKEN)
    _to_confirm(phone)

    def pause_writes() -> None:       # after the COMMIT, the enqueue and the save will hang
        rd.execute_command("CLIENT", "PAUSE", "30000", "WRITE")

    held = _submit_held(app, phone, wait_until, pause_writes)
    try:
        wait_until(lambda: len(_stored(app)) == 1, timeout=30)
        gunicorn.kill_workers()
    finally:
        rd.execute_command("CLIENT", "UNPAUSE")
    held["thread"].join(30)
    assert "error" in held, held                  # the aggregator got no answer
    wait_until(lambda: bool(gunicorn.worker_pids()), timeout=30)
    yield phone


def test_retry_after_a_worker_killed_past_the_commit_gets_the_first_reference(
        fault_env, killed_after_commit) -> None:
    app, phone = fault_env["app"], killed_after_commit
    [reference] = _stored(app)
    retried = phone.retry()                       # the aggregator's retry of the submit hop
    assert retried.startswith("END ") and reference in retried, retried
    assert phone.retry() == retried
    assert counts(app) == (1, 1, 1)


def test_redial_after_a_worker_killed_past_the_commit_gets_the_first_reference(
        fault_env, killed_after_commit) -> None:
    app, phone = fault_env["app"], killed_after_commit
    [reference] = _stored(app)
    phone.dial()
    phone.send("9")
    offer = phone.send("2")
    if "1" in offer and ("rasimu" in offer.lower() or "draft" in offer.lower()):
        body = phone.send("1")                     # continue the kept draft: at confirm
        assert body.startswith("CON "), body
        done = phone.send("1")
        assert done.startswith("END ") and reference in done, done
    phone.dial()                                    # and the draft is gone now
    phone.send("9")
    home = phone.send("2")
    assert "rasimu" not in home.lower() and "draft" not in home.lower(), home
    assert counts(app) == (1, 1, 1)


def test_redis_refusing_writes_at_the_save_tells_the_reference_and_stores_once(
        fault_env, wait_until) -> None:
    app = fault_env["app"]
    assert_mounted(app, "/ussd/africastalking")
    rd = redis.Redis.from_url(fault_env["redis"].url)
    phone = Phone(app.test_client())
    _to_confirm(phone)

    def refuse_writes() -> None:                 # Redis full: every write after the COMMIT fails
        rd.config_set("maxmemory-policy", "noeviction")
        rd.config_set("maxmemory", "1")

    held = _submit_held(app, phone, wait_until, refuse_writes)
    try:
        held["thread"].join(30)
    finally:
        rd.config_set("maxmemory", "0")
    [reference] = _stored(app)
    told = held.get("body", "")
    assert told.startswith("END ") and reference in told, told    # not a phantom
    retried = phone.retry()                      # the session still says "confirm"
    assert retried.startswith("END ") and reference in retried, retried
    assert re.search(r"\d{10}", retried)
    assert counts(app) == (1, 1, 1)
    with app.extensions["db"].sessionmaker() as s:
        assert s.scalar(select(func.count()).select_from(Feedback)) == 1
