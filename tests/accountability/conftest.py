"""A clock that can be moved, and rq's own cron scheduler ticking on it.

``tick()`` does what production does each time the clock passes a due time:
rq's CronScheduler (loaded with web.schedule's table) enqueues what is due on
the real Redis, and a real rq worker (burst) runs it against the real database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from flask import Flask
from rq.cron import CronScheduler
from sqlalchemy.orm import Session

from core.clock import CLOCK_KEY
from core.services import answer_feedback, reject_feedback
from infra import kv
from web.schedule import register_jobs

EAT = timezone(timedelta(hours=3))
# A Monday with no Tanzanian holiday in the next weeks: 09:00 in Dar es Salaam.
MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=EAT)


@pytest.fixture
def clock(app: Flask, session: Session) -> Iterator[time_machine.Coordinates]:
    """The host's clock, moved; the services stamp rows with it instead of the database's."""
    info = app.extensions["db"].sessionmaker.kw.setdefault("info", {})
    info[CLOCK_KEY] = session.info[CLOCK_KEY] = "host"
    try:
        with time_machine.travel(MONDAY, tick=True) as traveller:
            yield traveller
    finally:
        info.pop(CLOCK_KEY, None)
        session.info.pop(CLOCK_KEY, None)


@pytest.fixture
def cron(app: Flask, clock: time_machine.Coordinates) -> CronScheduler:
    scheduler = CronScheduler(connection=kv.client(app), logging_level="WARNING")
    register_jobs(scheduler.register)
    return scheduler


@pytest.fixture
def tick(cron: CronScheduler, run_jobs: Callable[[], None],
         session: Session) -> Callable[[], list[str]]:
    def run() -> list[str]:
        enqueued = [job.name.rsplit(".", 1)[-1] for job in cron.enqueue_jobs()]
        run_jobs()
        session.rollback()  # end the test's read transaction: see what the jobs committed
        session.expire_all()
        return enqueued
    return run


PEOPLE = [  # (phone as typed, name): the fixture data the API must never show
    ("0712345678", "Amina Juma Mwakyusa"),
    ("0754111222", "Baraka Shabani"),
    ("0688999000", "Neema Kileo"),
    ("+255 765 432 100", "Juma Siri"),
    ("0622000333", "Rehema Nyeti"),
]


@pytest.fixture
def world(clock, session, make_officer, make_feedback):
    """One of each: public, anonymous, sensitive, rejected, answered; officers with names."""
    officer = make_officer("TRA", name="Afisa Hamisi Mrisho", phone="0744555666")
    public = make_feedback(phone=PEOPLE[0][0], name=PEOPLE[0][1],
                           description=f"Mimi {PEOPLE[0][1]} simu {PEOPLE[0][0]}, TIN yangu")
    answered = make_feedback(kind="inquiry", phone=PEOPLE[1][0], name=PEOPLE[1][1],
                             description=f"Swali la {PEOPLE[1][1]}")
    clock.shift(timedelta(hours=1))
    other = make_feedback(kind="opinion", institution_code="TANESCO", phone=PEOPLE[2][0],
                          name=PEOPLE[2][1], channel="ussd")
    anonymous = make_feedback(phone=PEOPLE[3][0], name=PEOPLE[3][1], anonymous=True)
    sensitive = make_feedback(phone=PEOPLE[4][0], name=PEOPLE[4][1])
    sensitive.sensitive = True
    rejected = make_feedback(kind="suggestion", description="tangazo la biashara")
    answer_feedback(session, answered, officer, "Jibu kwa Baraka Shabani 0754111222")
    reject_feedback(session, rejected, officer, "spam ya matangazo")
    session.commit()
    return {"public": public, "answered": answered, "other": other, "anonymous": anonymous,
            "sensitive": sensitive, "rejected": rejected, "officer": officer}
