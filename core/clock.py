"""The database's clock: one "now" for every stored row and every rolling window.

Web hosts and workers drift; a host a day ahead once dated rows tomorrow, and
every other host then counted them in its hour for a day and refused the
citizen. The database is the one clock all of them share, so a submission
takes its time from it (read in the same statement that locks the number,
see :func:`core.services.submit_feedback`) and the sweeper its cut-offs.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, type_coerce
from sqlalchemy.orm import Session

from core.models import UTCDateTime


def now_expression(dialect: str) -> Any:
    """SQL for the database's current UTC time, typed so it reads back as an aware datetime.

    SQLite's ``'now'`` is UTC with milliseconds; the trailing zeros give the
    six-digit fraction SQLAlchemy stores and parses.
    """
    if dialect == "sqlite":
        return type_coerce(func.strftime("%Y-%m-%d %H:%M:%f000", "now"), UTCDateTime())
    return type_coerce(func.now(), UTCDateTime())


def db_now(session: Session) -> datetime:
    """The database's "now", in UTC: PostgreSQL's transaction time, SQLite's wall clock."""
    value = session.scalar(select(now_expression(session.get_bind().dialect.name)))
    assert value is not None
    return as_utc(value)


def as_utc(value: datetime) -> datetime:
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
