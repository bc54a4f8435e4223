"""The database's clock: one "now" for every stored row and every rolling window.

Web hosts and workers drift; a host a day ahead once dated rows tomorrow, and
every other host then counted them in its hour for a day and refused the
citizen. The database is the one clock all of them share, so a submission
takes its time from it (read in the same statement that locks the number,
see :func:`core.services.submit_feedback`) and the sweeper its cut-offs.

A test that moves the host's clock (``time_machine``) to walk the service levels
through the weeks says so with ``session.info[CLOCK_KEY] = "host"``: the
database's clock cannot be moved.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, type_coerce
from sqlalchemy.orm import Session

from core.models import UTCDateTime, utcnow

CLOCK_KEY = "clock"


def now_expression(dialect: str) -> Any:
    """SQL for the database's current UTC time, typed so it reads back as an aware datetime.

    SQLite's ``'now'`` is UTC with milliseconds; the trailing zeros give the
    six-digit fraction SQLAlchemy stores and parses.
    """
    if dialect == "sqlite":
        return type_coerce(func.strftime("%Y-%m-%d %H:%M:%f000", "now"), UTCDateTime())
    return type_coerce(func.now(), UTCDateTime())


def now(session: Session, database_time: datetime | None = None) -> datetime:
    """The time a service stamps rows and measures windows with (``database_time`` if the
    caller has just read it)."""
    return fixed(session) or database_time or db_now(session)


def fixed(session: Session, given: datetime | None = None) -> datetime | None:
    """The time a caller gave, or the host's where a test moves it; ``None`` when the
    database's is the one to use (a statement then reads it with ``now()``)."""
    if given is None and session.info.get(CLOCK_KEY) == "host":
        return utcnow()
    return given


def db_now(session: Session) -> datetime:
    """The database's "now", in UTC: PostgreSQL's transaction time, SQLite's wall clock."""
    value = session.scalar(select(now_expression(session.get_bind().dialect.name)))
    assert value is not None
    return as_utc(value)


def as_utc(value: datetime) -> datetime:
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
