"""The directory snapshot both channels read, reloaded now and then, never per request.

A USSD navigation hop lists institutions and an inbound SMS matches the one it
names; reading the table for each would put a query on every hop. One
:class:`core.directory.Directory` per process is kept in ``app.extensions`` and
reloaded every :data:`MAX_AGE` seconds, so an import shows without a restart. A
reload that fails keeps the old snapshot (the channels go on answering); only a
process that has never loaded one lets the database's error through.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from flask import Flask, current_app
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from core.directory import Directory, load_directory
from infra.db import database

log = logging.getLogger(__name__)
MAX_AGE = 600.0
T = TypeVar("T")


def reload_or_keep(app: Flask, read: Callable[[Session], T], kept: T | None, what: str) -> T:
    """``read`` in a session of its own; if the database fails, the ``kept`` snapshot.

    A channel goes on answering from a snapshot a few minutes old rather than not at
    all; only with nothing kept does the database's error reach the caller.
    """
    try:
        with database(app).sessionmaker() as s:
            return read(s)
    except SQLAlchemyError:
        if kept is None:
            raise
        log.exception("%s reload failed; keeping the old snapshot", what)
        return kept


class DirectoryHolder:
    """The app's snapshot: read without a lock while fresh, reloaded by one thread when stale."""

    def __init__(self, app: Flask) -> None:
        self.app, self._lock = app, threading.Lock()
        self._directory: Directory | None = None
        self._loaded = 0.0

    def get(self) -> Directory:
        directory = self._directory
        if directory is not None and time.monotonic() - self._loaded < MAX_AGE:
            return directory
        with self._lock:
            if self._directory is None or time.monotonic() - self._loaded >= MAX_AGE:
                self._reload()
            assert self._directory is not None
            return self._directory

    def _reload(self) -> None:
        self._directory = reload_or_keep(self.app, load_directory, self._directory, "directory")
        self._loaded = time.monotonic()

    def reset(self) -> None:
        """Reload at the next read (after an import, or in a test)."""
        self._directory = None


def init_app(app: Flask) -> None:
    app.extensions["directory"] = DirectoryHolder(app)


def holder(app: Flask | None = None) -> DirectoryHolder:
    found: DirectoryHolder = (app or current_app).extensions["directory"]
    return found
