"""Delivery-report settlement: what the aggregator's report of an SMS does to its row.

Why in core: "delivered" and "failed" are the domain's words for an outbound
message, and the audit trail of a feedback records them; each aggregator's
adapter only translates its own report into one of :data:`OUTCOMES` (or none,
for an interim report such as "Sent" or "Buffered").
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.events import EventKind, record
from core.models import OutboundMessage, utcnow
from core.status import MessageStatus

DELIVERED = MessageStatus.DELIVERED
FAILED = MessageStatus.FAILED
OUTCOMES = frozenset({DELIVERED, FAILED})


def settle_delivery(session: Session, provider_id: str, outcome: str | None, status: str,
                    reason: str) -> OutboundMessage | None:
    """Apply the report on the message the provider calls ``provider_id``; None if not ours.

    The row is locked, so two reports at once settle it once. A message we never
    sent, or purged long ago, has nothing to record and nothing to retry.
    """
    msg = session.scalar(select(OutboundMessage).where(
        OutboundMessage.provider_id == provider_id).with_for_update())
    if msg is not None and outcome is not None:
        _record_report(session, msg, outcome, status, reason)
        session.flush()
    return msg


def _record_report(session: Session, msg: OutboundMessage, outcome: str, status: str,
                   reason: str) -> None:
    """Settle the message on a final report; a repeat of the same report changes nothing."""
    if outcome == DELIVERED and msg.status != DELIVERED:
        msg.status, msg.delivered_at, msg.last_error = DELIVERED.value, utcnow(), None
        kind = EventKind.SMS_DELIVERED
    elif outcome == FAILED and msg.status not in (FAILED, DELIVERED):
        msg.status, msg.last_error = FAILED.value, f"{status} {reason}".strip()[:1000]
        kind = EventKind.SMS_FAILED
    else:
        return  # a duplicate, or a failure reported after the delivery
    if msg.feedback_id is not None:
        record(session, msg.feedback_id, kind, message_id=msg.id, status=status,
               reason=reason)
