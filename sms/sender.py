"""The senders' registry: :func:`sender_for` picks the adapter from config.

No credentials means the outbox the simulator shows (:class:`sms.port.OutboxSender`);
Africa's Talking's credentials mean its adapter (:mod:`sms.africastalking`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sms.africastalking import TIMEOUT, AfricasTalkingSender
from sms.port import OutboxSender, Sender


def sender_for(config: Mapping[str, Any]) -> Sender:
    """Africa's Talking when credentials are configured, otherwise the outbox."""
    if config.get("AT_USERNAME") and config.get("AT_API_KEY"):
        return AfricasTalkingSender(
            str(config["AT_USERNAME"]), str(config["AT_API_KEY"]),
            config.get("AT_SENDER_ID") or config.get("AT_SHORT_CODE") or None,
            _timeout(config.get("AT_TIMEOUT")))
    return OutboxSender()


def _timeout(value: Any) -> tuple[float, float]:
    """``AT_TIMEOUT`` as (connect, read): one number for both waits, or a pair."""
    try:
        if isinstance(value, int | float | str) and str(value).strip():
            seconds = float(value)
            return min(TIMEOUT[0], seconds), seconds
        if isinstance(value, list | tuple) and len(value) == 2:
            return float(value[0]), float(value[1])
    except ValueError:
        pass
    return TIMEOUT
