"""rq workers that run every job inside the app's context, and outlive a Redis outage.

Production: ``rq worker --with-scheduler -w web.worker.AppWorker`` (configuration
from the environment, as for the web). The embedded default runs
:class:`EmbeddedWorker` in the same process as the web server.

rq's own dequeue loop already waits for Redis with back-off, but every other
Redis call of its work loop (the bookkeeping after a job, maintenance, the
suspension check) ends the worker when Redis is away, and nothing restarts it.
These workers wait for Redis instead, with back-off (1 s doubling to 30 s),
and carry on; a job whose outcome could not be recorded is the sweeper's to
find (:func:`sms.jobs.sweep_queued_messages`).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from typing import Any, TypeVar

import redis
from flask import Flask
from rq import SimpleWorker, Worker
from rq.defaults import DEFAULT_JOB_MONITORING_INTERVAL
from rq.job import Job
from rq.queue import Queue
from rq.worker import WorkerStatus

log = logging.getLogger(__name__)
REDIS_DOWN = (redis.ConnectionError, redis.TimeoutError)
FIRST_WAIT, MAX_WAIT = 1.0, 30.0
T = TypeVar("T")


class _AppContextMixin:
    app: Flask

    def _init_app(self, app: Flask | None, kwargs: dict[str, Any]) -> None:
        if app is None:
            from web import create_app

            app = create_app()
        self.app = app
        # How often a busy worker proves it is alive; the sweeper reads the same figure.
        # The rq CLI always passes its default, so only another value there wins.
        given = kwargs.get("job_monitoring_interval", DEFAULT_JOB_MONITORING_INTERVAL)
        if given == DEFAULT_JOB_MONITORING_INTERVAL:
            kwargs["job_monitoring_interval"] = int(app.config["WORKER_HEARTBEAT"])

    def perform_job(self, job: Job, queue: Queue, *args: Any, **kwargs: Any) -> bool:
        with self.app.app_context():
            result: bool = super().perform_job(job, queue, *args, **kwargs)  # type: ignore[misc]
            return result

    def _until_redis(self, call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``call`` again and again, with back-off, while Redis is away."""
        wait = FIRST_WAIT
        while True:
            try:
                return call(*args, **kwargs)
            except REDIS_DOWN as exc:
                log.warning("worker: Redis unavailable (%s); trying again in %.0f s", exc, wait)
                time.sleep(wait)  # a SIGTERM still stops the worker: rq raises from its handler
                wait = min(wait * 2, MAX_WAIT)

    def execute_job(self, job: Job, queue: Queue) -> None:
        try:
            super().execute_job(job, queue)  # type: ignore[misc]
        except REDIS_DOWN:
            log.warning("worker: Redis went away during job %s; waiting for it", job.id)
            self._reap_horse()
            self._until_redis(self.set_state, WorkerStatus.IDLE)

    def _reap_horse(self) -> None:
        """Let a forked work-horse finish its own transaction, so no job runs twice at once."""
        pid = getattr(self, "_horse_pid", 0)
        if pid:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
            self._horse_pid = 0

    def set_state(self, *args: Any, **kwargs: Any) -> None:
        self._until_redis(super().set_state, *args, **kwargs)  # type: ignore[misc]

    def heartbeat(self, *args: Any, **kwargs: Any) -> None:
        self._until_redis(super().heartbeat, *args, **kwargs)  # type: ignore[misc]

    def check_for_suspension(self, burst: bool) -> None:
        self._until_redis(super().check_for_suspension, burst)  # type: ignore[misc]

    def run_maintenance_tasks(self) -> None:
        self._until_redis(super().run_maintenance_tasks)  # type: ignore[misc]


class AppWorker(_AppContextMixin, Worker):
    """A forking worker; each job's work-horse enters the app context."""

    def __init__(self, *args: Any, app: Flask | None = None, **kwargs: Any) -> None:
        self._init_app(app, kwargs)
        super().__init__(*args, **kwargs)


class EmbeddedWorker(_AppContextMixin, SimpleWorker):
    """Runs jobs in this process: the embedded default has one process in all."""

    def __init__(self, *args: Any, app: Flask | None = None, **kwargs: Any) -> None:
        self._init_app(app, kwargs)
        super().__init__(*args, **kwargs)
