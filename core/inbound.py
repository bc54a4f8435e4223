"""The inbox: every inbound SMS stored once per aggregator id, before anyone handles it.

Why in core: "nothing lost, nothing twice" is the domain's promise, and it holds
for any aggregator. The adapter reads its wire format into an :class:`Arrived`;
:func:`store_inbound` inserts it, and the aggregator's retry of the same id
finds the row and changes nothing. The caller commits before handling, so a
crash after that loses nothing (the sweeper handles what is left).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.models import InboundMessage, utcnow

UNREADABLE = "unreadable"  # the command of a message stored as it came, never handled


@dataclass(frozen=True)
class Arrived:
    """An inbound callback as we store it: cleaned fields, the reason it cannot be
    handled (if any), and what arrived when the cleaned fields differ from it."""

    provider_id: str
    sender: str
    text: str
    to: str
    network_code: str | None
    link_id: str | None
    problem: str | None
    raw: dict[str, Any] | None


def store_inbound(session: Session, provider: str, a: Arrived) -> int | None:
    """Insert the message once per ``(provider, provider_id)``; the id of the stored row.

    A callback we cannot handle is stored already handled (``command`` says why),
    so the sweeper leaves it alone, and an officer can still read it.
    """
    now = utcnow()
    msg = InboundMessage(provider=provider, provider_id=a.provider_id, phone=a.sender,
                         to=a.to, text=a.text, network_code=a.network_code,
                         link_id=a.link_id, received_at=now, raw=a.raw)
    if a.problem is not None:
        msg.command, msg.handled_at = UNREADABLE, now
    try:
        with session.begin_nested():
            session.add(msg)
    except IntegrityError:  # the aggregator's retry of a message we already have
        return session.scalar(select(InboundMessage.id).where(
            InboundMessage.provider == provider, InboundMessage.provider_id == a.provider_id))
    return msg.id
