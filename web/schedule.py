"""The periodic jobs, and the table rq's cron scheduler runs them from.

Scheduling is rq's own (:class:`rq.cron.CronScheduler`): it enqueues each job
on the ``default`` queue when due, and the ordinary workers run it inside the
app context (``web.worker``). Production runs exactly one scheduler process
beside the workers::

    rq worker --with-scheduler -w web.worker.SendWorker -c infra.rqconfig default
    rq cron -c infra.rqconfig web.cron

(``web.cron`` is the config module ``rq cron`` imports; cron expressions are in
the scheduler's local time, so run it with ``TZ=Africa/Dar_es_Salaam``). The
embedded default drives the same CronScheduler from a thread of its one
process (``web.embedded``).

Jobs are module-level functions without arguments that open their own
session and commit it; the core functions they call are idempotent, so a
duplicate run (two schedulers, a retry) changes nothing. The figures they
apply (service levels, retention days) come with the session
(``core.policies``), set once by ``web.config``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Flask, current_app
from sqlalchemy.orm import Session

from core import accountability, digest, directives, policies, reports, retention, tally
from core.models import utcnow
from infra import mail
from infra.db import database
from sms.jobs import sweep_queued_messages

log = logging.getLogger(__name__)

QUEUE = "default"


def send_reminders() -> int:
    """Daily: SMS each institution head the list of their overdue feedback."""
    with database().sessionmaker() as session:
        sent = accountability.send_reminders(session)
        session.commit()
    log.info("reminded %d heads", len(sent))
    return len(sent)


def remind_directives() -> int:
    """Daily: SMS the officers of institutions whose leaders' directives are overdue."""
    with database().sessionmaker() as session:
        sent = directives.send_directive_reminders(session)
        session.commit()
    log.info("sent %d directive reminders", sent)
    return sent


def generate_reports() -> int:
    """Monthly: keep last month's (and at a quarter's start last quarter's) reports."""
    with database().sessionmaker() as session:
        kept = reports.generate_due(session)
        session.commit()
    log.info("kept %d reports", len(kept))
    return len(kept)


def _commit_batches(batches: Callable[[Session, datetime], Iterator[list[str]]]) -> int:
    """Run core's batched duty, a transaction per batch: a big backlog never holds one open."""
    total = 0
    with database().sessionmaker() as session:
        for refs in batches(session, utcnow()):
            session.commit()
            total += len(refs)
    return total


def escalate_overdue() -> int:
    """Escalate feedback unanswered at twice its due time to the parent institution."""
    total = _commit_batches(accountability.escalate_batches)
    log.info("escalated %d feedback", total)
    return total


def close_expired() -> int:
    """Close answered feedback whose appeal window has ended, a batch per transaction."""
    total = _commit_batches(accountability.close_batches)
    log.info("closed %d answered feedback", total)
    return total


def sweep_sms() -> int:
    """Hand queued SMS that never reached rq (Redis was down at commit) to the sender."""
    return sweep_queued_messages()


def squash_tally() -> int:
    """Fold the dashboard tally's appended rows into one per key (core.tally)."""
    return tally.squash(database().engine)


def send_digests() -> int:
    """Daily: each officer's digest of new, held and overdue work (SMS; e-mail with SMTP)."""
    with database().sessionmaker() as session:
        digests = digest.send_digests(session)
        session.commit()
    if digests and mail.is_configured(current_app.config):
        mail.send_mail(current_app.config, ((d.email, d.text.split(":", 1)[0], d.text)
                                            for d in digests))
    log.info("sent %d officer digests", len(digests))
    return len(digests)


def purge_retention() -> int:
    """Remove submitters' numbers and names from feedback closed longer than RETENTION_DAYS."""
    factory = database().sessionmaker
    with factory() as session:
        days = policies.of(session).retention_days
    purged = retention.purge_expired(factory, days)
    log.info("retention purged the submitters of %d feedback", purged)
    return purged


@dataclass(frozen=True)
class Periodic:
    func: Callable[[], Any]
    cron: str | None = None      # a crontab line, in the scheduler's local time
    interval: int | None = None  # seconds; the first run is at the scheduler's start
    timeout: int = 600


JOBS: tuple[Periodic, ...] = (
    Periodic(send_reminders, cron="0 7 * * *"),
    Periodic(remind_directives, cron="5 7 * * *"),
    Periodic(generate_reports, cron="0 3 1 * *", timeout=1800),
    Periodic(send_digests, cron="30 6 * * *"),
    Periodic(escalate_overdue, interval=3600),
    Periodic(close_expired, interval=3600),
    Periodic(sweep_sms, interval=300, timeout=240),
    Periodic(purge_retention, cron="30 2 * * *"),
    Periodic(squash_tally, interval=60, timeout=300),
)


def register_jobs(register: Callable[..., Any], jobs: tuple[Periodic, ...] = JOBS) -> None:
    """Register ``jobs`` with ``rq.cron.register`` or a ``CronScheduler``'s ``register``."""
    for job in jobs:
        register(job.func, QUEUE, cron=job.cron, interval=job.interval, job_timeout=job.timeout)


def init_app(app: Flask) -> None:
    """The job table, for whoever drives the cron in this process (``web.embedded``)."""
    app.extensions["schedule"] = JOBS
