"""rq workers that run every job inside the app's context.

Production: ``rq worker --with-scheduler -w web.worker.AppWorker`` (configuration
from the environment, as for the web). The embedded default runs
:class:`EmbeddedWorker` in the same process as the web server.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from rq import SimpleWorker, Worker
from rq.job import Job
from rq.queue import Queue


class _AppContextMixin:
    app: Flask

    def _init_app(self, app: Flask | None) -> None:
        if app is None:
            from web import create_app

            app = create_app()
        self.app = app

    def perform_job(self, job: Job, queue: Queue, *args: Any, **kwargs: Any) -> bool:
        with self.app.app_context():
            result: bool = super().perform_job(job, queue, *args, **kwargs)  # type: ignore[misc]
            return result


class AppWorker(_AppContextMixin, Worker):
    """A forking worker; each job's work-horse enters the app context."""

    def __init__(self, *args: Any, app: Flask | None = None, **kwargs: Any) -> None:
        self._init_app(app)
        super().__init__(*args, **kwargs)


class EmbeddedWorker(_AppContextMixin, SimpleWorker):
    """Runs jobs in this process: the embedded default has one process in all."""

    def __init__(self, *args: Any, app: Flask | None = None, **kwargs: Any) -> None:
        self._init_app(app)
        super().__init__(*args, **kwargs)
