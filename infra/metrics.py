"""Prometheus ``/metrics`` for operators: hop latency, submissions, SMS, the queue, overdue, errors.

Three sources, each chosen for where its events happen:

- per process, in prometheus_client (multi-process files under gunicorn when
  ``PROMETHEUS_MULTIPROC_DIR`` is set): the USSD hop latency by screen kind and
  the Redis/database errors, counted from the error log records every channel
  already writes, so no handler needs a second line for them;
- cluster-wide, in one Redis hash: submissions by channel and SMS queued, sent
  and failed, counted as the transaction that wrote them commits, in the web and
  in rq's forked work-horses alike (one short-lived process per job would leave
  a multi-process file each);
- read at scrape time: queue depth and age, overdue feedback (from the read
  replica when there is one), the replica's lag, the Sentinels' failover epoch.

The hot path pays one call, :func:`observe_hop`. ``/metrics`` answers only a
bearer token (``MREJESHO_METRICS_TOKEN``) or a logged-in admin/oversight officer.
"""

from __future__ import annotations

import hmac
import logging
import os
from collections import Counter as Tally
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import redis
from flask import Flask, Response, current_app, request
from flask_login import current_user
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from rq.job import Job
from rq.registry import ScheduledJobRegistry
from sqlalchemy import event, inspect
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from core.accountability import overdue_counts
from core.db import PENDING_SMS, WRITTEN_EVENTS
from core.models import Event, OutboundMessage
from infra import db, kv

log = logging.getLogger(__name__)
COUNTS_KEY = "mrejesho:metrics"     # the cluster-wide counters: field "<name>:<label>"
PENDING = "metric_counts"           # in a session's info: counts waiting for its commit
ROLES = frozenset({"admin", "oversight"})
HOP_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    """This app's process-local metrics and its scrape."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.registry = CollectorRegistry()
        hop = Histogram("mrejesho_ussd_hop_seconds", "USSD hop latency by screen kind",
                        ["screen"], buckets=HOP_BUCKETS, registry=self.registry)
        self.hop_con, self.hop_end = hop.labels("CON"), hop.labels("END")
        self.errors = Counter("mrejesho_errors", "Errors logged, by the server that failed",
                              ["component"], registry=self.registry)
        self.cluster = ClusterCollector(app)
        self.registry.register(self.cluster)

    def scrape(self) -> bytes:
        if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            return generate_latest(self.registry)
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        registry.register(self.cluster)
        return generate_latest(registry)


def observe_hop(seconds: float, body: str, app: Flask | None = None) -> None:
    """Record one USSD hop's latency under its screen kind (``CON`` or ``END``)."""
    metrics: Metrics = (app or current_app).extensions["metrics"]
    (metrics.hop_end if body.startswith("END") else metrics.hop_con).observe(seconds)


def count(name: str, label: str, n: int = 1, app: Flask | None = None) -> None:
    """Add ``n`` to a cluster-wide counter now (for a writer that bypasses the ORM)."""
    _flush_counts(app or current_app, Tally({f"{name}:{label}": n}))


class ErrorCounter(logging.Handler):
    """Counts logged exceptions by the server behind them; never formats or emits."""

    def __init__(self, counter: Counter) -> None:
        super().__init__(logging.ERROR)
        self.counter = counter

    def emit(self, record: logging.LogRecord) -> None:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, redis.RedisError):
            self.counter.labels("redis").inc()
        elif isinstance(exc, SQLAlchemyError):
            self.counter.labels("database").inc()


def _note(session: Session, flush_context: Any, instances: Any) -> None:
    """Before a flush: the submissions and SMS state changes it writes.

    A feedback row is inserted with Core (``INSERT … ON CONFLICT``), out of the
    ORM's sight; its ``created`` Event, the one writer of the audit trail, is not.
    A queued SMS is inserted the same way: :func:`_note_queued` counts those.
    """
    tally: Tally[str] = session.info.setdefault(PENDING, Tally())
    for obj in session.new:
        if isinstance(obj, Event):
            _note_event(tally, obj.kind, obj.data)
    for obj in session.dirty:
        if isinstance(obj, OutboundMessage):
            added = session.is_modified(obj) and _new_status(obj)
            if added in ("sent", "failed"):
                tally[f"sms:{added}"] += 1


def _note_event(tally: Tally[str], kind: str, data: dict[str, Any] | None) -> None:
    if kind == "created":  # every feedback has one
        tally[f"submissions:{(data or {}).get('channel', 'unknown')}"] += 1


def _note_queued(session: Session) -> None:
    """Before a commit: the SMS it queues, the ids core hands the dispatcher after it, and
    the Events written past the unit of work (a submission's: ``core.events.write``)."""
    queued = len(session.info.get(PENDING_SMS, ()))
    if queued:
        session.info.setdefault(PENDING, Tally())["sms:queued"] += queued
    if not session.in_nested_transaction():  # a savepoint's commit: the outer one counts
        for row in session.info.pop(WRITTEN_EVENTS, ()):
            _note_event(session.info.setdefault(PENDING, Tally()), row["kind"], row["data"])


def _new_status(obj: OutboundMessage) -> str | None:
    history = inspect(obj).attrs.status.history
    return str(history.added[0]) if history.added else None


def take_counts(info: dict[str, Any]) -> Callable[[Any], None] | None:
    """The counts a commit left for this module, taken to be sent in another pipeline to
    the same Redis (the SMS enqueue's, which runs first: see web's dispatcher); then
    :func:`_committed` finds nothing more to send and a submission makes one round trip."""
    tally: Tally[str] | None = info.pop(PENDING, None)
    return (lambda pipe: _add_counts(pipe, tally)) if tally else None


def _committed(app: Flask, session: Session) -> None:
    tally: Tally[str] | None = session.info.pop(PENDING, None)
    if tally:
        _flush_counts(app, tally)


def _flush_counts(app: Flask, tally: Tally[str]) -> None:
    try:
        pipe = kv.client(app).pipeline(transaction=False)
        _add_counts(pipe, tally)
        pipe.execute()
    except redis.RedisError as exc:  # a metric is never worth a failed request
        log.warning("metrics: counters not recorded: %s", exc)


def _add_counts(pipe: Any, tally: Tally[str]) -> None:
    for field, n in tally.items():
        pipe.hincrby(COUNTS_KEY, field, n)


class ClusterCollector(Collector):
    """What every process shares, read when Prometheus scrapes."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("mrejesho_component_up", "Whether the scrape could read it",
                               labels=["component"])
        for name, part in (("redis", self._redis), ("database", self._database),
                           ("sentinel", self._sentinel)):
            try:
                yield from part()
                up.add_metric([name], 1)
            except (redis.RedisError, SQLAlchemyError) as exc:
                log.warning("metrics: %s unavailable: %s", name, exc)
                up.add_metric([name], 0)
        yield up

    def _redis(self) -> Iterator[Metric]:
        client = kv.client(self.app)
        raw = client.hgetall(COUNTS_KEY)
        families = {"submissions": CounterMetricFamily(
                        "mrejesho_submissions", "Feedback recorded, by channel",
                        labels=["channel"]),
                    "sms": CounterMetricFamily("mrejesho_sms", "SMS by what happened to them",
                                               labels=["state"])}
        for field, value in sorted(raw.items()):
            name, _, label = field.decode().partition(":")
            if name in families:
                families[name].add_metric([label], int(value))
        yield from families.values()
        queue = kv.queue(self.app)
        yield GaugeMetricFamily("mrejesho_queue_depth", "Jobs waiting in the rq queue",
                                value=queue.count)
        yield GaugeMetricFamily("mrejesho_queue_scheduled", "Jobs waiting for a retry",
                                value=ScheduledJobRegistry(queue=queue).count)  # type: ignore[no-untyped-call]
        yield GaugeMetricFamily("mrejesho_queue_oldest_seconds",
                                "Age of the oldest job waiting in the rq queue",
                                value=_oldest_age(queue))

    def _database(self) -> Iterator[Metric]:
        with db.read_sessionmaker()() as s:
            overdue = sum(overdue_counts(s).values())
        yield GaugeMetricFamily("mrejesho_overdue_feedback", "Open feedback past its due time",
                                value=overdue)
        replica = db.database(self.app).replica
        if replica is not None:
            yield GaugeMetricFamily("mrejesho_replica_usable", "Read pages use the replica",
                                    value=1 if replica.usable() else 0)
            yield GaugeMetricFamily("mrejesho_replica_lag_seconds", "Replica replay lag",
                                    value=replica.lag())

    def _sentinel(self) -> Iterator[Metric]:
        address = kv.parse_sentinel_url(self.app.config["REDIS_URL"] or "")
        if address is None:
            return
        host, port = address.sentinels[0]
        info: dict[str, Any] = redis.Redis(host=host, port=port, socket_timeout=1).execute_command(
            "SENTINEL MASTER", address.master)
        yield GaugeMetricFamily("mrejesho_redis_failover_epoch",
                                "Sentinel config epoch: rises by one per failover",
                                value=int(info.get("config-epoch", 0)))


def _oldest_age(queue: Any) -> float:
    ids = queue.get_job_ids(0, 0)
    job = Job.fetch(ids[0], connection=queue.connection) if ids else None
    if job is None or job.enqueued_at is None:
        return 0.0
    enqueued = job.enqueued_at if job.enqueued_at.tzinfo else job.enqueued_at.replace(tzinfo=UTC)
    return max(0.0, (datetime.now(UTC) - enqueued).total_seconds())


def metrics_view() -> Response:
    if not _allowed():
        if getattr(current_user, "is_authenticated", False):
            return Response("metrics need an admin or oversight officer\n", 403,
                            mimetype="text/plain")
        # 403, not 401: every refusal of this gateway is one of 200/400/403/404.
        return Response("metrics need a bearer token or an officer login\n", 403,
                        mimetype="text/plain")
    metrics: Metrics = current_app.extensions["metrics"]
    return Response(metrics.scrape(), 200,
                    mimetype="text/plain; version=0.0.4; charset=utf-8",
                    headers={"Cache-Control": "no-store"})


def _allowed() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    given = request.headers.get("Authorization", "")
    if token and given.startswith("Bearer "):
        return hmac.compare_digest(given[7:].strip().encode(), str(token).encode())
    officer = getattr(current_user, "officer", None)
    return getattr(officer, "role", None) in ROLES


def init_app(app: Flask) -> None:
    metrics = Metrics(app)
    app.extensions["metrics"] = metrics
    logging.getLogger().addHandler(ErrorCounter(metrics.errors))
    factory = db.database(app).sessionmaker
    event.listen(factory, "before_flush", _note)
    event.listen(factory, "before_commit", _note_queued)
    event.listen(factory, "after_commit", lambda s: _committed(app, s))
    event.listen(factory, "after_soft_rollback",
                 lambda s, previous: previous.parent is None and s.info.pop(PENDING, None))
    app.add_url_rule("/metrics", "metrics", metrics_view)
