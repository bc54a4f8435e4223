"""Citizen SMS: recorded as OutboundMessages, handed to the dispatcher on commit.

Core never sends: it writes the message row (so nothing is lost if the queue
is down) and remembers its id; :mod:`core.db` passes the ids to whatever the
composition root installed (an rq enqueue). An opt-out (STOP/ACHA) stops only
what the citizen never asked for; the reference, a reply to their own SMS, the
answer and any news of their own feedback always go.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select
from sqlalchemy.orm import Session

from core.db import PENDING_SMS
from core.events import EventKind, entry, record
from core.models import Feedback, OutboundMessage, Subscriber, table_of, utcnow

# The only purposes an opt-out stops: messages the citizen did not ask for.
STOPPED_BY_OPT_OUT = frozenset({"reminder", "draft_kept", "campaign"})
# Purposes whose text the core has already bounded and the sender must send whole (as a
# concatenated SMS), never cut to the two parts a reply gets.
SENT_WHOLE = frozenset({"answer"})
# Built once (every submission runs it; only the values change). A Core INSERT of the
# table loaded as the row's object: an ORM-enabled INSERT … RETURNING goes through the
# ORM's bulk-insert machinery, which cost more CPU than the rest of queue_sms.
_TABLE = table_of(OutboundMessage)
_INSERT = select(OutboundMessage).from_statement(insert(_TABLE).values(
    {name: bindparam(name) for name in ("phone", "text", "purpose", "created_at",
                                        "feedback_id")}).returning(*_TABLE.c))


def is_opted_out(session: Session, phone: str) -> bool:
    return bool(session.scalar(select(Subscriber.opted_out).where(Subscriber.phone == phone)))


def queue_sms(session: Session, *, phone: str, text: str, purpose: str,
              feedback: Feedback | None = None,
              now: datetime | None = None,
              history: list[dict[str, Any]] | None = None) -> OutboundMessage | None:
    """Record an SMS for sending after commit; ``None`` if the number opted out of it.

    ``now`` dates the row (a submission passes the database's clock). With
    ``history`` the feedback's ``sms_queued`` entry is appended there, for the
    caller to write with :func:`core.events.write`, instead of to the session.
    """
    if purpose in STOPPED_BY_OPT_OUT and is_opted_out(session, phone):
        return None
    if feedback is not None and feedback.id is None:
        session.flush()  # a feedback added but not yet written: it needs its id first
    # One INSERT … RETURNING of this row alone, past the unit of work: any Events still
    # pending are written at the next flush (a submission writes its own, see ``history``).
    msg: OutboundMessage = session.scalars(_INSERT, {
        "phone": phone, "text": text, "purpose": purpose, "created_at": now or utcnow(),
        "feedback_id": feedback.id if feedback is not None else None},
        execution_options={"autoflush": False}).one()
    session.info.setdefault(PENDING_SMS, []).append(msg.id)
    if feedback is not None and history is not None:
        history.append(entry(feedback.id, EventKind.SMS_QUEUED, None, now, message_id=msg.id,
                             purpose=purpose))
    elif feedback is not None:
        record(session, feedback, EventKind.SMS_QUEUED, None, now, message_id=msg.id,
               purpose=purpose)
    return msg
