"""A feedback's history: the kinds of entry and the one function that writes them.

Every line of the history an officer reads (admin.history) and every fact the
accountability loops count (a transfer or appeal restarting the clock) is an
:class:`~core.models.Event`; writing them all through :func:`record` keeps the
actor, the time and the vocabulary the same whichever channel or job acts.
Events are append-only (core.models refuses an update).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from core.db import WRITTEN_EVENTS
from core.models import Event, Feedback, Officer, table_of, utcnow

# Built once: a submission writes its Events with it, outside the unit of work. RETURNING
# makes SQLAlchemy send the rows as one multi-VALUES INSERT; without it psycopg's
# executemany runs a pipeline of one INSERT per row with a sync round trip of its own.
_TABLE = table_of(Event)
_INSERT = insert(_TABLE).returning(_TABLE.c.id)


class EventKind(StrEnum):
    """What happened; the value is what the ``event.kind`` column stores."""

    CREATED = "created"
    VIEWED = "viewed"
    STATUS_CHANGED = "status_changed"
    ANSWERED = "answered"
    TRANSFERRED = "transferred"
    REJECTED = "rejected"
    CLOSED = "closed"
    APPEALED = "appealed"
    RATED = "rated"
    ADDED = "added"
    ASSIGNED = "assigned"
    UNASSIGNED = "unassigned"
    NOTE_ADDED = "note_added"
    DUE_CHANGED = "due_changed"
    LINKED = "linked"
    TOPIC_SET = "topic_set"
    ESCALATED = "escalated"
    SMS_QUEUED = "sms_queued"
    SMS_SENT = "sms_sent"
    SMS_DELIVERED = "sms_delivered"
    SMS_FAILED = "sms_failed"
    PERSONAL_DATA_PURGED = "personal_data_purged"
    DIRECTIVE_ISSUED = "directive_issued"
    DIRECTIVE_REPORTED = "directive_reported"
    DIRECTIVE_ACCEPTED = "directive_accepted"
    DIRECTIVE_RETURNED = "directive_returned"


def entry(feedback_id: int, kind: EventKind, officer: Officer | None = None,
          at: datetime | None = None, /, **detail: Any) -> dict[str, Any]:
    """The column values of one history entry, as :func:`record` and :func:`write` store it.

    Without an officer the actor is ``system`` (a job, or the citizen through a
    channel). Both are positional-only so that no key of ``detail`` (``from``,
    ``to``...) can ever collide with them.
    """
    return {"feedback_id": feedback_id, "kind": EventKind(kind).value,
            "officer_id": officer.id if officer else None,
            "actor": officer.name if officer else "system", "data": detail,
            **({"at": at} if at is not None else {})}


def record(session: Session, feedback: Feedback | int, kind: EventKind,
           officer: Officer | None = None, at: datetime | None = None, /,
           **detail: Any) -> Event:
    """Add one history entry to ``feedback`` (the row or its id) and return it, unflushed.

    Without ``at`` the column's default dates it when it is flushed.
    Jobs that hold only the id (retention, the SMS sender) pass the id: the row
    need not be loaded to write its history.
    """
    event = Event(**entry(feedback if isinstance(feedback, int) else feedback.id,
                          kind, officer, at, **detail))
    session.add(event)
    return event


def write(session: Session, entries: list[dict[str, Any]]) -> None:
    """Insert ``entries`` (made by :func:`entry`) now, in one statement, past the unit of work.

    For a writer that holds the feedback's id and has nothing else to flush: a
    submission's two entries cost a whole ORM flush at commit otherwise. An entry
    without ``at`` is dated now. The rows are left in ``session.info`` for the hooks
    that count what a commit wrote (:data:`core.db.WRITTEN_EVENTS`).
    """
    if entries:
        rows = [e if "at" in e else {**e, "at": utcnow()} for e in entries]
        session.connection().execute(_INSERT, rows)
        session.info.setdefault(WRITTEN_EVENTS, []).extend(rows)
