"""The embedded default in one process: the web server in a thread, the rq worker in front.

The worker holds the main thread because it owns the signal handlers: Ctrl-C
makes it finish the job in hand and stop (stopping its scheduler process),
then the periodic-job thread and the web server are shut down and the
embedded redis-server with them.
"""

from __future__ import annotations

import logging
import signal
import threading

from flask import Flask
from rq.cron import CronScheduler
from werkzeug.serving import make_server

from infra import kv
from web.schedule import JOBS, Periodic, register_jobs
from web.worker import EmbeddedWorker

log = logging.getLogger(__name__)


def _stop_on_early_signal(worker: EmbeddedWorker) -> None:
    """Honour a Ctrl-C that arrives before rq installs its own handlers.

    rq installs them only after starting its scheduler; a signal in between
    would otherwise be lost and the process would run on. The flag set here is
    the one rq's loop checks before each dequeue.
    """
    def request_stop(signum: int, frame: object) -> None:
        worker._stop_requested = True

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, request_stop)


class InProcessCron:
    """rq's CronScheduler driven from a thread of this process (``rq cron`` in production).

    ``CronScheduler.start`` installs signal handlers, which only the main thread
    may do and which the worker owns; so this thread runs the same steps
    (enqueue what is due, save, heartbeat, sleep until the next is due) and
    stops when asked, registering the scheduler's death as ``start`` does.
    """

    def __init__(self, app: Flask, jobs: tuple[Periodic, ...] = JOBS) -> None:
        self.scheduler = CronScheduler(connection=kv.client(app), logging_level="WARNING")
        register_jobs(self.scheduler.register, jobs)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cron", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        cron = self.scheduler
        cron.register_birth()
        try:
            while not self._stop.is_set():
                try:
                    if cron.enqueue_jobs():
                        cron.save()
                    cron.heartbeat()
                    pause = cron.calculate_sleep_interval()
                except Exception:  # Redis away for a moment: try again shortly
                    log.exception("periodic jobs could not be enqueued")
                    pause = 5
                self._stop.wait(pause)
        finally:
            try:
                cron.register_death()
            except Exception:
                log.warning("could not unregister the cron scheduler")


def serve(app: Flask, host: str, port: int) -> None:
    worker = EmbeddedWorker([kv.queue(app)], connection=kv.client(app), app=app)
    _stop_on_early_signal(worker)
    cron = InProcessCron(app) if app.config["SCHEDULE_IN_PROCESS"] else None
    server = make_server(host, port, app, threaded=True)
    web = threading.Thread(target=server.serve_forever, name="web", daemon=True)
    web.start()
    if cron is not None:
        cron.start()
    log.warning("Mrejesho is listening on http://%s:%d/ (Ctrl-C stops it)", host, port)
    try:
        worker.work(with_scheduler=True, logging_level="WARNING")
    finally:
        if cron is not None:
            cron.stop()
        server.shutdown()
        web.join(timeout=5)
        app.extensions["redis"].close()
        log.warning("Mrejesho stopped")
