"""The outbound port and its two adapters: Africa's Talking and the outbox.

A sender either returns the provider's message id or raises: :class:`Retryable`
for what may pass (network errors, timeouts, 5xx, a gateway that could not
route), :class:`Permanent` for a per-recipient refusal that will not change
(invalid number, blacklisted, do-not-disturb). The jobs in :mod:`sms.jobs`
decide what to do with each. :func:`sender_for` picks the adapter from config:
no credentials means the outbox the simulator shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import requests
from africastalking.Service import AfricasTalkingException
from africastalking.SMS import SMSService

# Africa's Talking per-recipient status codes.
AT_SENT = frozenset({100, 101, 102})                   # processed, sent, queued
AT_PERMANENT = frozenset({403, 404, 406, 409})         # invalid number, unsupported number
#                                                        type, blacklisted, do-not-disturb
TIMEOUT = (3.05, 10.0)  # connect, read: well inside an rq job's timeout


class SendError(Exception):
    """The provider did not take the message."""


class Retryable(SendError):
    """Try again later: the network, the provider or the route may recover."""


class Permanent(SendError):
    """This recipient will not get this message, however often we try."""


class Sender(Protocol):
    name: str

    def send(self, message_id: int, phone: str, text: str) -> str:
        """Send ``text`` to ``phone``; return the provider's message id or raise SendError."""
        ...


class OutboxSender:
    """The embedded default: the OutboundMessage row itself is the outbox."""

    name = "outbox"

    def send(self, message_id: int, phone: str, text: str) -> str:
        return f"outbox-{message_id}"


@dataclass
class AfricasTalkingSender:
    """Bulk SMS through the official SDK, from the sender id or else the short code."""

    username: str
    api_key: str
    sender_id: str | None = None
    timeout: tuple[float, float] = TIMEOUT
    name = "africastalking"

    def __post_init__(self) -> None:
        self._service = SMSService(self.username, self.api_key)

    def send(self, message_id: int, phone: str, text: str) -> str:
        try:
            response = self._service.send(text, [phone], sender_id=self.sender_id,
                                          timeout=self.timeout)
        except requests.RequestException as exc:
            raise Retryable(f"network: {type(exc).__name__}: {exc}"[:500]) from exc
        except AfricasTalkingException as exc:  # any non-2xx answer
            raise Retryable(f"http error: {str(exc)[:300]}") from exc
        except ValueError as exc:  # the SDK refuses a number before calling out
            raise Permanent(f"invalid number: {exc}") from exc
        return _recipient_id(response, phone)


def _recipient_id(response: Any, phone: str) -> str:
    try:
        recipients = response["SMSMessageData"]["Recipients"]
    except (TypeError, KeyError) as exc:
        raise Retryable(f"unexpected response: {str(response)[:300]}") from exc
    if not recipients:
        message = str(response["SMSMessageData"].get("Message", ""))[:300]
        raise Retryable(f"no recipient accepted: {message}")
    rec: Mapping[str, Any] = recipients[0]
    code, status = _int(rec.get("statusCode")), str(rec.get("status", ""))
    if code in AT_SENT:
        return str(rec.get("messageId") or "")
    if code in AT_PERMANENT:
        raise Permanent(f"{code} {status}")
    raise Retryable(f"{code} {status}")


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


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
