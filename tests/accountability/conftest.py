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
from web import kv
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
