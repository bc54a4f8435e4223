"""One number's submissions under concurrency and a wrong host clock.

24 SMS at once from one number store at most the limit; two first SMS from a
new number at once both land; a host whose clock runs a day ahead dates rows by
the database's clock and counts the same windows as every other host.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import time_machine
from sqlalchemy import func, select, text

from core.db import make_engine
from core.models import Feedback, InboundMessage, OutboundMessage, Subscriber
from core.services import Submission, submit_feedback
from tests.reliability.conftest import assert_mounted

PHONE = "+255713000111"
INBOUND = "/sms/africastalking/inbound"


def _sms(n: int, phone: str = PHONE, text: str = "LALAMIKO TRA: Nimesubiri TIN wiki tatu"
         ) -> dict[str, str]:
    return {"from": phone, "to": "15200", "id": f"ATXid_limit_{phone}_{n}", "text": text,
            "date": "2026-12-01 10:00:00", "linkId": "", "networkCode": "63902"}


def _lock_waiters(engine: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND datname = current_database()")).scalar() or 0)


def _at_once(app: Any, forms: list[dict[str, str]], wait_until: Callable[..., None],
             waiters: int) -> list[int]:
    """Post ``forms`` from as many threads, all held at their first blocking write until
    ``waiters`` of them wait (the feedback INSERT's key check waits on the institutions).
    The test's own engine: the threads may take every connection of the app's pool."""
    engine = make_engine(app.config["DATABASE_URL"], pool_size=2)
    statuses: list[int] = []
    start = threading.Barrier(len(forms))

    def post(form: dict[str, str]) -> None:
        client = app.test_client()
        start.wait()
        statuses.append(client.post(INBOUND, data=form).status_code)

    threads = [threading.Thread(target=post, args=(f,)) for f in forms]
    with engine.connect() as locker:
        locker.begin()
        locker.execute(text("SELECT id FROM institution FOR UPDATE"))
        for t in threads:
            t.start()
        wait_until(lambda: _lock_waiters(engine) >= waiters, timeout=60)
        locker.rollback()
    for t in threads:
        t.join(60)
    engine.dispose()
    return statuses


def _count(app: Any, *where: Any, model: Any = Feedback) -> int:
    with app.extensions["db"].sessionmaker() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_24_sms_at_once_from_one_number_store_at_most_the_limit(fault_env, wait_until) -> None:
    app = fault_env["app"]
    assert_mounted(app, INBOUND)
    with app.extensions["db"].sessionmaker() as s:      # a number that has texted before
        s.add(Subscriber(phone=PHONE))
        s.commit()
    other = _sms(0, phone="+255713000999", text="MSAADA")  # warm: the directory is loaded
    assert app.test_client().post(INBOUND, data=other).status_code == 200
    statuses = _at_once(app, [_sms(n) for n in range(24)], wait_until, waiters=15)
    assert statuses == [200] * 24
    assert _count(app) == app.config["SUBMISSIONS_PER_HOUR"] == 10
    assert _count(app, InboundMessage.phone == PHONE, InboundMessage.handled_at.is_not(None),
                  model=InboundMessage) == 24
    replies = _count(app, OutboundMessage.phone == PHONE, OutboundMessage.purpose == "reply",
                     model=OutboundMessage)
    assert replies == 14                                  # each refused one is told why


def test_two_first_sms_from_a_new_number_at_once_both_land(fault_env, wait_until) -> None:
    app = fault_env["app"]
    assert_mounted(app, INBOUND)
    statuses = _at_once(app, [_sms(1), _sms(2)], wait_until, waiters=2)
    assert statuses == [200, 200]
    assert _count(app) == 2
    assert _count(app, InboundMessage.handled_at.is_not(None), model=InboundMessage) == 2
    assert _count(app, model=Subscriber) == 1


def _database_now(app: Any) -> Any:
    with app.extensions["db"].engine.connect() as conn:
        return conn.execute(text("SELECT now()")).scalar()


def test_a_host_a_day_ahead_dates_rows_by_the_database(fault_env) -> None:
    app = fault_env["app"]
    assert_mounted(app, INBOUND)
    before = _database_now(app)
    with time_machine.travel(before + timedelta(days=1), tick=True):
        assert app.test_client().post(INBOUND, data=_sms(1)).status_code == 200
    after = _database_now(app)
    with app.extensions["db"].sessionmaker() as s:
        feedback = s.scalars(select(Feedback)).one()
        message = s.scalars(select(OutboundMessage)).one()
        inbound = s.scalars(select(InboundMessage)).one()
        stamps = [feedback.created_at, feedback.updated_at, message.created_at,
                  inbound.handled_at, *(e.at for e in feedback.events)]
    assert all(before <= stamp <= after for stamp in stamps), stamps
    assert feedback.due_at is not None and feedback.due_at < after + timedelta(days=30)


def test_a_host_a_day_ahead_counts_the_same_window(fault_env) -> None:
    app = fault_env["app"]
    assert_mounted(app, INBOUND)
    with app.extensions["db"].sessionmaker() as s:      # ten this hour, from a right clock
        for _ in range(10):
            submit_feedback(s, Submission(kind="complaint", channel="sms",
                                          institution_code="TRA", phone=PHONE,
                                          description="Nimesubiri TIN wiki tatu"))
        s.commit()
    with time_machine.travel(_database_now(app) + timedelta(days=1), tick=True):
        assert app.test_client().post(INBOUND, data=_sms(11)).status_code == 200
    assert _count(app) == 10                                # the eleventh is refused
    replies = _count(app, OutboundMessage.purpose == "reply", model=OutboundMessage)
    assert replies == 1
