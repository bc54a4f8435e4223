"""Outbound SMS as rq jobs taking OutboundMessage ids, safe to run twice.

A lone message has a job of its own (``sms-<id>``); several committed together
share a :func:`send_batch` job. Jobs run inside the app context the worker
provides (``web.worker``) and own their transaction. A job claims its rows with an
``UPDATE ... WHERE status = 'queued'`` and holds those row locks until the
provider has answered and the outcome is committed: a second job for the same
message waits, then finds it sent and does nothing; a worker killed mid-job rolls
back, so the retry sends it (at least once, never lost). Each attempt is counted on the row with its
error; network errors and 5xx are retried with back-off, a per-recipient
refusal (invalid number, blacklisted) is final. The feedback's audit trail gets
"sms_sent" / "sms_failed" (and "sms_delivered" from the delivery callback).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from flask import current_app
from redis.client import Pipeline
from rq import Queue, Retry, Worker
from rq.exceptions import NoSuchJobError
from rq.job import Job
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core import clock
from core.events import EventKind, record
from core.models import InboundMessage, OutboundMessage, utcnow
from core.notify import SENT_WHOLE
from core.replies import fit
from infra.db import database
from infra.kv import queue as app_queue
from sms.handler import handle_stored
from sms.port import Permanent, SendError
from sms.sender import sender_for

log = logging.getLogger(__name__)

RETRY = Retry(max=5, interval=[10, 60, 300, 900, 3600])
MAX_ATTEMPTS = 6  # the first try and RETRY.max retries; the sweeper never exceeds it
SWEEP_AFTER = timedelta(minutes=3)
SWEEP_LIMIT = 500
LIVE = ("queued", "started", "scheduled", "deferred")
BATCH = 25  # messages per job when a commit queues several
BATCH_KEY_TTL = 86400  # seconds a message's pointer to its batch job is kept


def job_id(message_id: int) -> str:
    return f"sms-{message_id}"


def batch_key(message_id: int) -> str:
    """Where the id of the batch job carrying ``message_id`` is kept, for the sweeper."""
    return f"sms-batch-of:{message_id}"


def enqueue_messages(queue: Queue, ids: list[int],
                     also: Callable[[Pipeline[bytes]], None] | None = None) -> None:
    """A lone message gets its own job; several committed together go BATCH to a job.
    ``also`` adds other commands to the same round trip (the commit's metric counts).

    A job costs a worker a dozen Redis round trips and its sends two database
    transactions; a batch shares them (:func:`send_batch`). Both claim each row
    the same way, so a message in a batch and in a single job still goes once.
    """
    if len(ids) == 1:
        batches: list[tuple[str, list[int]]] = []
        jobs = [Queue.prepare_data(send_message, (ids[0],), retry=RETRY, job_id=job_id(ids[0]))]
    else:
        batches = [(f"sms-batch-{ids[i]}-{uuid.uuid4().hex[:8]}", ids[i:i + BATCH])
                   for i in range(0, len(ids), BATCH)]
        jobs = [Queue.prepare_data(send_batch, (chunk,), retry=RETRY, job_id=jid)
                for jid, chunk in batches]
    with queue.connection.pipeline() as pipe:  # one round trip (``enqueue`` takes two)
        queue.enqueue_many(jobs, pipeline=pipe)
        for jid, chunk in batches:  # the sweeper asks which job carries a message
            for message_id in chunk:
                pipe.set(batch_key(message_id), jid, ex=BATCH_KEY_TTL)
        if also is not None:
            also(pipe)
        pipe.execute()


def send_message(message_id: int) -> str:
    """Send one queued message; returns its status ('skipped' if it was not queued)."""
    with database().sessionmaker() as session:
        msg = next(iter(_claim(session, [message_id])), None)
        if msg is None:
            session.rollback()
            return "skipped"
        try:
            provider_id = sender_for(current_app.config).send(msg.id, msg.phone, msg.text)
        except SendError as exc:
            if _settle(session, msg, exc):
                session.commit()  # the attempt is recorded; rq retries with back-off
                log.warning("SMS %s attempt %s failed: %s", message_id, msg.attempts, exc)
                raise
        else:
            _settle(session, msg, provider_id)
        session.commit()
        return msg.status


def send_batch(message_ids: list[int]) -> dict[str, int]:
    """Send several queued messages: one claim, the sends in flight together, one commit.

    The rows stay locked from the claim to the commit, as a single job's row does;
    a message that may pass later gets a single job of its own after the back-off.
    Returns how many ended in each status.
    """
    with database().sessionmaker() as session:
        msgs = _claim(session, message_ids)
        if not msgs:
            session.rollback()
            return {}
        outcomes = sender_for(current_app.config).send_many(
            [(msg.id, msg.phone, msg.text) for msg in msgs])
        again = [msg.id for msg in msgs if _settle(session, msg, outcomes[msg.id])]
        session.commit()
    queue = app_queue()
    for message_id in again:  # the scheduler moves it to the queue when it is due
        queue.enqueue_in(timedelta(seconds=RETRY.intervals[0]), send_message, message_id,
                         retry=RETRY, job_id=job_id(message_id))
    counts: dict[str, int] = {}
    for msg in msgs:
        counts[msg.status] = counts.get(msg.status, 0) + 1
    return counts


def _claim(session: Session, ids: list[int]) -> list[OutboundMessage]:
    """Count an attempt on each of ``ids`` still queued, locking them; the rows, as sent.

    The claim and the rows come in one round trip; only a queued row is claimed, so a
    second job for the same message finds it sent (after waiting for the lock).
    """
    msgs = list(session.scalars(
        update(OutboundMessage)
        .where(OutboundMessage.id.in_(ids), OutboundMessage.status == "queued")
        .values(attempts=OutboundMessage.attempts + 1).returning(OutboundMessage),
        execution_options={"populate_existing": True}))
    for msg in msgs:
        if msg.purpose not in SENT_WHOLE:  # an answer goes whole, in as many parts as it needs
            msg.text = fit(msg.text)
    return sorted(msgs, key=lambda m: m.id)


def _settle(session: Session, msg: OutboundMessage, outcome: str | SendError) -> bool:
    """Record one send's outcome on its row; True when it should be tried again later."""
    if isinstance(outcome, str):
        msg.status, msg.provider_id, msg.sent_at = "sent", outcome, utcnow()
        msg.last_error = None
        _event(session, msg, "sms_sent", provider_id=outcome)
    elif isinstance(outcome, Permanent):
        _fail(session, msg, str(outcome))
    else:
        msg.last_error = str(outcome)[:1000]
        if msg.attempts < MAX_ATTEMPTS:
            return True
        _fail(session, msg, msg.last_error)
    return False


def _fail(session: Session, msg: OutboundMessage, reason: str) -> None:
    msg.status, msg.last_error = "failed", reason[:1000]
    _event(session, msg, "sms_failed", reason=reason[:300])
    log.warning("SMS %s failed for good: %s", msg.id, reason)


def _event(session: Session, msg: OutboundMessage, kind: str, **data: object) -> None:
    if msg.feedback_id is not None:
        record(session, msg.feedback_id, EventKind(kind), message_id=msg.id,
               purpose=msg.purpose, attempts=msg.attempts, **data)


def sweep_queued_messages(older_than: timedelta = SWEEP_AFTER) -> int:
    """Re-enqueue SMS still queued after a few minutes with no live job; handle stray inbound.

    A message stays queued when Redis was down at commit, its job was lost (a
    Redis restart without persistence), or its worker died mid-job and left it
    "started". Returns how many were picked up. Times are the database's.
    """
    queue = app_queue()
    grace = timedelta(seconds=3 * int(current_app.config["WORKER_HEARTBEAT"]))
    with database().sessionmaker() as session:
        cutoff = clock.now(session) - older_than
        ids = list(session.scalars(select(OutboundMessage.id).where(
            OutboundMessage.status == "queued", OutboundMessage.created_at < cutoff)
            .order_by(OutboundMessage.id).limit(SWEEP_LIMIT)))
    stale = [i for i in ids if not _has_live_job(queue, i, grace)]
    enqueue_messages(queue, stale)
    with database().sessionmaker() as session:
        inbound = list(session.scalars(select(InboundMessage.id).where(
            InboundMessage.handled_at.is_(None), InboundMessage.received_at < cutoff,
            InboundMessage.received_at > cutoff - timedelta(days=1)).limit(SWEEP_LIMIT)))
    for inbound_id in inbound:
        handle_stored(inbound_id)
    return len(stale) + len(inbound)


def _has_live_job(queue: Queue, message_id: int, grace: timedelta) -> bool:
    """Is someone going to run this message's job? Gone, or stale, means no.

    A "started" job is live only while its worker's key exists and the job's
    heartbeat (every ``WORKER_HEARTBEAT`` seconds while it runs) is fresh: a
    SIGKILLed worker's job would otherwise look started for many minutes. A
    "scheduled" one (a retry's back-off) is live until its time is well past. A
    "queued" one is live only while it waits in the queue: a worker killed between
    taking it (rq moves it to the queue's intermediate list) and starting it leaves it
    "queued" there, and rq's own clean-up looks only every 10 minutes. A message sent
    in a batch is carried by that batch's job (:func:`batch_key` names it).
    """
    batch = queue.connection.get(batch_key(message_id))
    for jid in (job_id(message_id), batch.decode() if batch else None):
        try:
            job = Job.fetch(jid, connection=queue.connection) if jid else None
        except NoSuchJobError:
            continue
        if job is not None and _job_live(queue, job, grace):
            return True
    return False


def _job_live(queue: Queue, job: Job, grace: timedelta) -> bool:
    """Whether ``job`` (a message's own, or the batch carrying it) will still run."""
    status = job.get_status(refresh=False)
    now = utcnow()
    if status == "started":
        alive = bool(job.worker_name) and bool(queue.connection.exists(
            Worker.redis_worker_namespace_prefix + (job.worker_name or "")))
        beat = job.last_heartbeat or job.started_at
        return alive and beat is not None and now - _aware(beat) < grace
    if status == "scheduled":
        try:
            due = queue.scheduled_job_registry.get_scheduled_time(job)
        except NoSuchJobError:
            return False
        return now - _aware(due) < grace
    if status == "queued":
        return queue.connection.lpos(queue.key, job.id) is not None
    return status in LIVE


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
