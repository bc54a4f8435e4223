"""Redis through Sentinel: a failover mid-session costs at most the hop in flight, never a record.

The test starts its own master, replica and Sentinel on spare ports, points the
real app at ``redis+sentinel://…``, SIGKILLs the master mid-walk, and then
checks that the promoted replica carries sessions, the rq queue and a real
``rq worker -c infra.rqconfig`` (the Procfile's line) with nothing lost or doubled.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from flask import Flask
from limits import parse
from rq.cli.helpers import get_redis_from_config
from sqlalchemy import select

from core.models import Feedback, OutboundMessage
from infra import kv, rqconfig
from tests.reliability.phone import SUBMIT, Phone, counts
from tests.reliability.sentinels import SentinelSet
from web import create_app

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def sentinels(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SentinelSet]:
    if not shutil.which("redis-server"):
        pytest.skip("no redis-server binary on this machine")
    group = SentinelSet(tmp_path_factory.mktemp("sentinel"))
    group.start()
    yield group
    group.stop()


@pytest.fixture
def sentinel_app(app: Flask, database_url: str, sentinels: SentinelSet) -> Iterator[Flask]:
    """The real app on the suite's database and on Redis through the Sentinel."""
    through = create_app({"TESTING": True, "DATABASE_URL": database_url,
                          "REDIS_URL": sentinels.url, "SECRET_KEY": "test", "EMBEDDED": True})
    yield through
    through.extensions["db"].engine.dispose()


def _walk(phone: Phone) -> str:
    phone.dial()
    for value in SUBMIT:
        phone.send(value)
    return phone.send("1")


def test_the_sentinel_url_names_the_master_the_sentinels_elected(sentinels) -> None:
    address = kv.parse_sentinel_url(sentinels.url)
    assert address is not None and address.master == "mymaster" and address.db == 0
    client = kv.connect(sentinels.url)
    client.set(b"k", b"v")
    assert redis.Redis(port=sentinels.master_address()).get(b"k") == b"v"
    rq_client = get_redis_from_config(rqconfig.settings(sentinels.url))
    assert rq_client.get("k") == b"v"


@pytest.mark.parametrize("url", ["redis+sentinel://", "redis+sentinel://h:1",
                                 "redis+sentinel://h:x/m/0", "redis+sentinel://h:1/m/zero"])
def test_a_malformed_sentinel_url_is_refused_at_start(url: str) -> None:
    with pytest.raises(ValueError, match="REDIS_URL"):
        kv.parse_sentinel_url(url)


def test_a_failover_mid_session_costs_only_the_hop_in_flight(sentinel_app, sentinels) -> None:
    first = Phone(sentinel_app.test_client(), "+255713000001")
    first.dial()
    for value in SUBMIT:
        first.send(value)
    old = sentinels.kill_master()
    in_flight = first.send("1")                          # the hop the failover catches
    assert in_flight.startswith("END ")
    got_reference = re.search(r"\d{10}", in_flight) is not None
    assert counts(sentinel_app)[0] == (1 if got_reference else 0)
    new = sentinels.wait_failover(old)
    limiter = sentinel_app.extensions["security_limiter"]  # the login limit: same client
    assert limiter.hit(parse("5 per minute"), "login-ip", "192.0.2.1")
    assert list(redis.Redis(port=new).scan_iter(match="mrejesho-limit*"))

    second = Phone(sentinel_app.test_client(), "+255713000002")
    done = _walk(second)                                 # the next session: served as usual
    assert done.startswith("END ") and re.search(r"\d{10}", done), done
    assert second.retry() == done                        # its reply survived on the new master
    expected = 2 if got_reference else 1
    assert counts(sentinel_app) == (expected, expected, expected)

    # The Procfile's worker line, through the Sentinel, sends each reference SMS once.
    env = {**os.environ, "REDIS_URL": sentinels.url, "SECRET_KEY": "test-only-secret-value",
           "DATABASE_URL": sentinel_app.config["DATABASE_URL"], "MREJESHO_EMBEDDED": "true"}
    for _attempt in range(3):  # Sentinels still settling may name no master for a moment;
        worker = subprocess.run(  # a burst worker run again sends nothing twice (row lock)
            [str(Path(sys.executable).parent / "rq"), "worker", "--burst", "-c", "infra.rqconfig",
             "-w", "web.worker.AppWorker", "default"],
            cwd=ROOT, env=env, timeout=120, capture_output=True, text=True)
        if worker.returncode == 0 or "No master found" not in worker.stderr:
            break
        time.sleep(2)
    assert worker.returncode == 0, worker.stdout[-3000:] + worker.stderr[-3000:]
    with sentinel_app.extensions["db"].sessionmaker() as s:
        rows = s.execute(select(OutboundMessage.phone, OutboundMessage.status).where(
            OutboundMessage.purpose == "reference")).all()
        phones = s.scalars(select(Feedback.submitter_phone)).all()
    assert len(phones) == len(set(phones)) == expected
    assert [status for phone, status in rows if phone.endswith("713000002")] == ["sent"]
    # A reference SMS committed while no master answered stays queued for the sweeper
    # (sms.jobs.sweep_queued_messages); it is never dropped.
    assert all(status in ("queued", "sent") for _, status in rows) and len(rows) == expected
