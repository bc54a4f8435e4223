"""Subscribers: one row per number, written with upserts, locked to order its submissions.

Two first messages from a new number at once must both land (the second used
to fail on ``subscriber_phone_key`` and wait for the sweeper), so every write is
``INSERT … ON CONFLICT (phone) DO UPDATE``. The same statement locks the row
for the transaction, which is what makes the per-number limit atomic.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from core.clock import as_utc, now_expression
from core.i18n import normalise_locale
from core.models import Subscriber, table_of


def dialect_insert(session: Session) -> Any:
    """The dialect's INSERT, which knows ``ON CONFLICT`` (PostgreSQL and SQLite alike)."""
    return (postgresql_insert if session.get_bind().dialect.name == "postgresql"
            else sqlite_insert)


def _upsert_subscriber(session: Session, phone: str, language: str,
                       update_language: bool) -> tuple[Any, dict[str, str]]:
    """``INSERT … ON CONFLICT (phone) DO UPDATE``: two first messages at once both succeed.

    The update, even of the phone to itself, locks the row until the transaction
    ends, which :func:`core.services.submit_feedback` relies on to count and insert in turn.
    Returns the statement and its values.
    """
    statement = _upsert_statement(session.get_bind().dialect.name, update_language)
    return statement, {"phone": phone, "language": normalise_locale(language)}


@lru_cache(maxsize=8)
def _upsert_statement(dialect: str, update_language: bool) -> Any:
    """The upsert, built once: every submission runs it, and only its values change.

    Of the table, not the mapped class: an ORM-enabled INSERT runs through the ORM's
    bulk-insert machinery, which cost a submission more CPU than the statement itself;
    :func:`_subscriber` reads the row back through the ORM where one is wanted.
    """
    table = table_of(Subscriber)
    ins = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(table).values(
        phone=bindparam("phone"), language=bindparam("language"), opted_out=False,
        created_at=now_expression(dialect))
    return ins.on_conflict_do_update(
        index_elements=["phone"],
        set_={"language": ins.excluded.language} if update_language
        else {"phone": ins.excluded.phone})


def remember_language(session: Session, phone: str, language: str) -> Subscriber:
    """Create or update the subscriber's language (shared by USSD and SMS)."""
    session.execute(*_upsert_subscriber(session, phone, language, update_language=True))
    return _subscriber(session, phone)


def ensure_subscriber(session: Session, phone: str, language: str) -> Subscriber:
    """The number's subscriber, created with ``language`` if it has none (never changed)."""
    session.execute(*_upsert_subscriber(session, phone, language, update_language=False))
    return _subscriber(session, phone)


def set_opt_out(session: Session, subscriber: Subscriber, opted_out: bool) -> None:
    """STOP (``True``) or START (``False``) for one subscriber, shared by every channel.

    An opt-out stops only what :data:`core.notify.STOPPED_BY_OPT_OUT` names (news
    the citizen never asked for); :func:`core.notify.queue_sms` reads the flag.
    """
    subscriber.opted_out = opted_out
    session.flush()


def _subscriber(session: Session, phone: str) -> Subscriber:
    sub = session.scalar(select(Subscriber).where(Subscriber.phone == phone)
                         .execution_options(populate_existing=True))
    assert sub is not None
    return sub


def lock_statement() -> Any:
    """PostgreSQL's upsert that locks a number's subscriber row for the transaction,
    creating it if the number has none (bound: ``phone``, ``language``); see
    :mod:`core.whole_insert`, which runs it with the submission."""
    return _upsert_statement("postgresql", update_language=False)


def claim_number(session: Session, phone: str, language: str) -> datetime:
    """Lock ``phone``'s subscriber row for this transaction; returns the database's now.

    Submissions from one number then count their window and insert one after
    another, so 24 at once store at most the limit; and the one statement both
    takes the lock and reads the clock every host shares.
    """
    statement, values = _upsert_subscriber(session, phone, language, update_language=False)
    value = session.connection().scalar(
        _returning_now(statement, session.get_bind().dialect.name), values)
    assert value is not None
    return as_utc(value)


@lru_cache(maxsize=8)
def _returning_now(statement: Any, dialect: str) -> Any:
    return statement.returning(now_expression(dialect))
