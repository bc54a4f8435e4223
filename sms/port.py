"""The outbound port: what a sender is, how it fails, and the embedded outbox.

A sender either returns the provider's message id or raises: :class:`Retryable`
for what may pass (network errors, timeouts, 5xx, a gateway that could not
route), :class:`Permanent` for a per-recipient refusal that will not change
(invalid number, blacklisted, do-not-disturb). The jobs in :mod:`sms.jobs`
decide what to do with each. Here, below every adapter, so that an adapter
(:mod:`sms.africastalking`) and the registry (:mod:`sms.sender`) both import it
and neither imports the other's importer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class SendError(Exception):
    """The provider did not take the message."""


class Retryable(SendError):
    """Try again later: the network, the provider or the route may recover."""


class Permanent(SendError):
    """This recipient will not get this message, however often we try."""


# One message of a batch: its OutboundMessage id, the number, the text.
Item = tuple[int, str, str]
# What became of each: the provider's message id, or why it did not go.
Outcomes = dict[int, str | SendError]


class Sender(Protocol):
    name: str

    def send(self, message_id: int, phone: str, text: str) -> str:
        """Send ``text`` to ``phone``; return the provider's message id or raise SendError."""
        ...

    def send_many(self, items: Sequence[Item]) -> Outcomes:
        """Send several at once (a batch job's); each id's provider id or its SendError."""
        ...


class OutboxSender:
    """The embedded default: the OutboundMessage row itself is the outbox."""

    name = "outbox"

    def send(self, message_id: int, phone: str, text: str) -> str:
        return f"outbox-{message_id}"

    def send_many(self, items: Sequence[Item]) -> Outcomes:
        return {message_id: self.send(message_id, phone, text)
                for message_id, phone, text in items}
