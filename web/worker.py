"""rq workers that run every job inside the app's context, and outlive a Redis outage.

Production: ``rq worker --with-scheduler -w web.worker.SendWorker`` (configuration
from the environment, as for the web): :class:`SendWorker` runs jobs in this process
on ``WORKER_THREADS`` threads, because an SMS send waits on the provider far longer
than it computes, and a forked work-horse per job (:class:`AppWorker`, kept for jobs
that want that isolation) capped a worker at a few SMS a second. The embedded default
runs :class:`EmbeddedWorker` in the same process as the web server.

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
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import redis
from flask import Flask
from rq import SimpleWorker, Worker
from rq.defaults import DEFAULT_JOB_MONITORING_INTERVAL
from rq.executions import Execution
from rq.job import Job
from rq.queue import Queue
from rq.timeouts import TimerDeathPenalty
from rq.worker import WorkerStatus

log = logging.getLogger(__name__)
REDIS_DOWN = (redis.ConnectionError, redis.TimeoutError)
FIRST_WAIT, MAX_WAIT = 1.0, 30.0
T = TypeVar("T")
# A sibling waits on the queue ttl - 15 s at a time: it sees a stop request within 1 s.
SIBLING_TTL = 16


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


class _StopWhenAsked:
    """Leave an idle dequeue every timeout to see a stop request set without a signal.

    rq's own loop waits on the queue until a job comes; only a signal (which a
    thread cannot take) breaks it.
    """

    _stop_requested: bool

    def dequeue_job_and_maintain_ttl(self, timeout: int | None,
                                     max_idle_time: int | None = None) -> Any:
        dequeue = super().dequeue_job_and_maintain_ttl  # type: ignore[misc]
        if timeout is None or max_idle_time is not None:  # burst, or rq's own idle limit
            return dequeue(timeout, max_idle_time)
        while not self._stop_requested:
            result = dequeue(timeout, max_idle_time=timeout)
            if result is not None:
                return result
        return None


class _BusyWith:
    """Remember the job this worker's thread runs, for its process's :class:`_Heartbeat`.

    A forking worker beats for its work-horse while it waits on it; a worker that runs
    the job in its own thread cannot, so a send blocked on the provider for longer than
    the sweeper's grace looked abandoned and was enqueued again (harmless by the row
    lock, but noise in the queue and the logs).
    """

    running: tuple[Job, Execution] | None = None

    def perform_job(self, job: Job, queue: Queue, execution: Execution,
                    *args: Any, **kwargs: Any) -> bool:
        self.running = (job, execution)
        try:
            done: bool = super().perform_job(job, queue, execution,  # type: ignore[misc]
                                             *args, **kwargs)
            return done
        finally:
            self.running = None


class _Heartbeat(threading.Thread):
    """Every ``interval`` seconds, rq's heartbeat for each busy worker thread of the process.

    ``maintain_heartbeats`` refreshes the worker's key, the execution and the job's
    ``last_heartbeat`` (what :func:`sms.jobs._has_live_job` reads). A beat that lands just
    after a job finished is harmless: rq writes the job and execution only if they exist.
    """

    def __init__(self, workers: list[_BusyWith], interval: float) -> None:
        super().__init__(name="rq-send-heartbeat", daemon=True)
        self.workers, self.interval, self.stopped = workers, interval, threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            for worker in list(self.workers):
                running = worker.running
                if running is None:
                    continue
                try:
                    worker.maintain_heartbeats(*running)  # type: ignore[attr-defined]
                except REDIS_DOWN as exc:  # the next beat tries again; the job carries on
                    log.warning("worker: heartbeat for job %s failed (%s)", running[0].id, exc)


class _Sibling(_StopWhenAsked, _BusyWith, _AppContextMixin, SimpleWorker):
    """One more rq worker in a thread of a :class:`SendWorker`'s process.

    The main thread owns the signals: a sibling installs none, times jobs out with a
    timer instead of SIGALRM, and stops when the main worker asks it to.
    """

    death_penalty_class = TimerDeathPenalty

    def __init__(self, *args: Any, app: Flask, **kwargs: Any) -> None:
        self._init_app(app, kwargs)
        super().__init__(*args, **kwargs)

    def _install_signal_handlers(self) -> None:
        pass


class SendWorker(_StopWhenAsked, _BusyWith, _AppContextMixin, SimpleWorker):
    """A non-forking rq worker with ``WORKER_THREADS - 1`` siblings in threads.

    Every job still runs once, in an app context, under rq's own bookkeeping (each
    thread is a registered rq worker); a send's exactly-once holds by its row lock
    (:mod:`sms.jobs`), whichever thread or host runs it. A warm stop lets every
    thread finish its job. One :class:`_Heartbeat` thread keeps every busy thread's
    job alive in Redis, as a forking worker does for its work-horse.
    """

    def __init__(self, *args: Any, app: Flask | None = None, **kwargs: Any) -> None:
        self._init_app(app, kwargs)
        super().__init__(*args, **kwargs)
        self._sibling_args = (args, {**kwargs, "name": None, "worker_ttl": SIBLING_TTL})
        self._siblings: list[tuple[_Sibling, threading.Thread]] = []
        self._burst = False
        self._heartbeat: _Heartbeat | None = None

    def work(self, burst: bool = False, *args: Any, **kwargs: Any) -> bool:
        self._burst = burst
        try:
            return bool(super().work(burst, *args, **kwargs))
        finally:
            for sibling, _ in self._siblings:
                sibling._stop_requested = not burst  # in a burst each stops when it is idle
            for _, thread in self._siblings:
                thread.join()
            self._siblings = []
            if self._heartbeat is not None:
                self._heartbeat.stopped.set()
                self._heartbeat.join()
                self._heartbeat = None

    def _install_signal_handlers(self) -> None:
        """Called by ``work`` after the scheduler process is forked: start the threads now."""
        super()._install_signal_handlers()  # type: ignore[no-untyped-call]
        args, kwargs = self._sibling_args
        for n in range(int(self.app.config["WORKER_THREADS"]) - 1):
            sibling = _Sibling(*args, app=self.app, **kwargs)
            thread = threading.Thread(target=sibling.work, kwargs={"burst": self._burst},
                                      name=f"rq-send-{n + 1}", daemon=True)
            thread.start()
            self._siblings.append((sibling, thread))
        beating: list[_BusyWith] = [self, *(sibling for sibling, _ in self._siblings)]
        self._heartbeat = _Heartbeat(beating, float(self.job_monitoring_interval))
        self._heartbeat.start()
