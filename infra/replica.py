"""The read replica: read-only pages read it while it is up and fresh, else the primary.

Why a probe and not just a try: a streaming replica that has fallen behind
answers happily with old rows, so "it answered" is not "it is fit". The probe
asks the replica how far its replay is behind what it has received and refuses
it past ``REPLICA_MAX_LAG`` seconds; it runs at most every ``REPLICA_CHECK_EVERY``
seconds per process so a page pays for it rarely, and an error on the replica
marks it down at once (the next page reads the primary). Writes never come here,
and an officer who has just written reads the primary for ``REPLICA_MAX_LAG``
seconds so their own change is on the page (see :mod:`infra.db`).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from flask import g, has_app_context
from sqlalchemy import Engine, event, text
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from core.db import make_engine

log = logging.getLogger(__name__)

# Seconds the replica's replay is behind: 0 when it has replayed all it received (an idle
# primary sends nothing, so the last replayed commit's age alone would read as lag) or
# when it is not a standby at all (a second database standing in for one). With nothing
# replayed since it started, it is at most as far behind as its own uptime.
LAG_SQL = text(
    "SELECT CASE WHEN NOT pg_is_in_recovery() THEN 0"
    " WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0"
    " ELSE EXTRACT(EPOCH FROM now() - COALESCE(pg_last_xact_replay_timestamp(),"
    " pg_postmaster_start_time())) END")


class Replica:
    """An engine on the replica and whether to read from it now."""

    def __init__(self, url: str, max_lag: float, check_every: float) -> None:
        options: dict[str, Any] = {"pool_size": 5}
        if not url.startswith("sqlite"):
            options["connect_args"] = {"connect_timeout": 2}
        self.engine: Engine = make_engine(url, **options)
        self.sessionmaker = sessionmaker(bind=self.engine, expire_on_commit=False)
        self.max_lag, self.check_every = max_lag, check_every
        self._usable, self._checked = False, -1e9
        self._lock = threading.Lock()
        event.listen(self.engine, "handle_error", self._on_error)

    def usable(self) -> bool:
        """Fit to read from: answered the last probe within the lag limit."""
        if time.monotonic() - self._checked < self.check_every:
            return self._usable
        with self._lock:
            if time.monotonic() - self._checked >= self.check_every:
                self._usable = self._probe()
                self._checked = time.monotonic()
        return self._usable

    def lag(self) -> float:
        """The replica's replay lag in seconds (raises when it cannot be asked)."""
        with self.engine.connect() as conn:
            if self.engine.dialect.name != "postgresql":
                return 0.0
            return float(conn.execute(LAG_SQL).scalar_one())

    def _probe(self) -> bool:
        try:
            lag = self.lag()
        except SQLAlchemyError as exc:
            log.warning("read replica unavailable, reading the primary: %s", exc)
            return False
        if lag > self.max_lag:
            log.warning("read replica %.1f s behind (limit %s), reading the primary",
                        lag, self.max_lag)
            return False
        return True

    def mark_down(self) -> None:
        """Read the primary until the next probe says otherwise."""
        self._usable, self._checked = False, time.monotonic()

    def _on_error(self, context: Any) -> None:
        """A lost or refused connection marks the replica down and tells the page (503)."""
        if not (context.is_disconnect
                or isinstance(context.sqlalchemy_exception, OperationalError)):
            return
        self.mark_down()
        if has_app_context():
            g.replica_failed = True

    def session(self) -> Session:
        return self.sessionmaker()
