"""The embedded default in one process: the web server in a thread, the rq worker in front.

The worker holds the main thread because it owns the signal handlers: Ctrl-C
makes it finish the job in hand and stop (stopping its scheduler process),
then the web server is shut down and the embedded redis-server with it.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask
from werkzeug.serving import make_server

from web import kv
from web.worker import EmbeddedWorker

log = logging.getLogger(__name__)


def serve(app: Flask, host: str, port: int) -> None:
    server = make_server(host, port, app, threaded=True)
    web = threading.Thread(target=server.serve_forever, name="web", daemon=True)
    web.start()
    log.warning("Mrejesho is listening on http://%s:%d/ (Ctrl-C stops it)", host, port)
    worker = EmbeddedWorker([kv.queue(app)], connection=kv.client(app), app=app)
    try:
        worker.work(with_scheduler=True, logging_level="WARNING")
    finally:
        server.shutdown()
        web.join(timeout=5)
        app.extensions["redis"].close()
        log.warning("Mrejesho stopped")
