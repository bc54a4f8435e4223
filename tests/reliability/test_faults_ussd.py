"""USSD under Redis and PostgreSQL outages: an END apology, never a 500, never two records."""

from __future__ import annotations

import re

import pytest

from tests.reliability.conftest import assert_mounted
from tests.reliability.phone import SUBMIT, Phone, counts


@pytest.fixture
def phone(fault_env) -> Phone:
    assert_mounted(fault_env["app"], "/ussd/africastalking")
    return Phone(fault_env["app"].test_client())


def _to_confirm(phone: Phone) -> str:
    phone.dial()
    body = ""
    for value in SUBMIT:
        body = phone.send(value)
    assert body.startswith("CON ")
    return body


def test_redis_stopped_mid_session_then_restarted(fault_env, phone) -> None:
    app, rd = fault_env["app"], fault_env["redis"]
    _to_confirm(phone)
    rd.stop()
    during = phone.send("1")
    assert during.startswith("END ") and counts(app) == (0, 0, 0)
    assert phone.dial().startswith("END ")            # a new dial in the outage: apology too
    rd.start()
    retried = phone.retry()                            # the aggregator retries after recovery
    assert retried.startswith(("END ", "CON ")) and counts(app) == (0, 0, 0)
    _to_confirm(phone)
    done = phone.send("1")
    assert done.startswith("END ") and re.search(r"\d{10}", done), done
    assert phone.retry() == done                       # a retry of the submit hop
    assert counts(app) == (1, 1, 1)


def test_postgres_stopped_during_the_submit_keeps_the_draft(fault_env, phone) -> None:
    app, pg = fault_env["app"], fault_env["pg"]
    _to_confirm(phone)
    pg.stop()
    try:
        during = phone.send("1")
    finally:
        pg.start()
    assert during.startswith("END ") and counts(app) == (0, 0, 0)
    phone.dial()
    offer = phone.send("9")
    offer = phone.send("2")
    assert "draft" in offer.lower() or "rasimu" in offer.lower(), offer
    body = phone.send("1")                             # continue the draft: back at confirm
    assert body.startswith("CON ")
    done = phone.send("1")
    assert done.startswith("END ") and re.search(r"\d{10}", done), done
    assert phone.retry() == done
    assert counts(app) == (1, 1, 1)
