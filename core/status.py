"""Feedback kinds, channels, statuses, SMS statuses and the table of allowed status changes.

The table is the only place that says what may follow what; services ask it
through :func:`check_transition` and never compare statuses by hand.
"""

from __future__ import annotations

from enum import StrEnum

from core.errors import IllegalTransition


class Kind(StrEnum):
    COMPLAINT = "complaint"
    SUGGESTION = "suggestion"
    INQUIRY = "inquiry"
    COMPLIMENT = "compliment"
    OPINION = "opinion"


class Channel(StrEnum):
    USSD = "ussd"
    SMS = "sms"
    WEB = "web"
    WALK_IN = "walk-in"
    PARTNER = "partner"  # a partner's app, through Open311 with its api_key


# Channels where a citizen files for themselves: their number is counted against the limits.
CITIZEN_CHANNELS = (Channel.USSD.value, Channel.SMS.value, Channel.PARTNER.value)


class Status(StrEnum):
    RECEIVED = "received"
    IN_PROGRESS = "in_progress"
    ANSWERED = "answered"
    APPEALED = "appealed"
    CLOSED = "closed"
    REJECTED = "rejected"


# A transfer is RECEIVED/IN_PROGRESS -> RECEIVED at another institution. A closed answer
# may still be appealed: an officer's close never shortens the appeal window (core.rights).
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.RECEIVED: frozenset({Status.IN_PROGRESS, Status.ANSWERED, Status.REJECTED,
                                Status.RECEIVED}),
    Status.IN_PROGRESS: frozenset({Status.ANSWERED, Status.REJECTED, Status.RECEIVED}),
    Status.ANSWERED: frozenset({Status.APPEALED, Status.CLOSED}),
    Status.APPEALED: frozenset({Status.ANSWERED}),
    Status.CLOSED: frozenset({Status.APPEALED}),
    Status.REJECTED: frozenset(),
}

OPEN_STATUSES = frozenset({Status.RECEIVED, Status.IN_PROGRESS, Status.APPEALED})
OPEN_VALUES = tuple(sorted(s.value for s in OPEN_STATUSES))  # for SQL ``IN``
# The order counts show them in: the open ones first, in the order work moves through them.
SHOWN_ORDER = (Status.RECEIVED.value, Status.IN_PROGRESS.value, Status.APPEALED.value,
               Status.ANSWERED.value, Status.CLOSED.value, Status.REJECTED.value)


def is_open(status: str) -> bool:
    """Still waiting on an institution: the desk's actions and the overdue rule apply."""
    return status in OPEN_STATUSES


class MessageStatus(StrEnum):
    """Where an outbound SMS is: queued until the aggregator takes it, then its final report.

    ``delivered`` and ``failed`` are final; a report never moves a delivered
    message back, so a late or repeated failure report changes nothing.
    """

    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"


def check_transition(current: str, target: Status) -> None:
    """Raise :class:`IllegalTransition` unless ``current -> target`` is in the table."""
    here = Status(current)
    if target not in TRANSITIONS[here]:
        raise IllegalTransition(f"feedback that is {here.value} cannot become {target.value}")
