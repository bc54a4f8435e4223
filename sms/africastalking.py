"""Africa's Talking, everything its SMS wire format knows: inbound, delivery reports, send.

One module per aggregator (courier's ``handlers/africastalking``): the inbound
form read into what we store, the delivery report read through the status table
into core's outcome, and bulk SMS sent through the official SDK. The blueprint
(:mod:`sms.views`) only checks the token, calls this and the core, and answers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qsl

import requests
from africastalking.Service import AfricasTalkingException
from africastalking.SMS import SMSService
from werkzeug.datastructures import MultiDict

from core.delivery import DELIVERED, FAILED
from core.inbound import Arrived
from infra.edge import Malformed
from sms.port import Permanent, Retryable

PROVIDER = "africastalking"
MAX_TEXT = 10_000
MAX_ID = 128
MAX_RAW = 64_000
FORM = "application/x-www-form-urlencoded"
# Delivery report statuses, lower-cased: final ones settle the message, the rest
# (Sent, Submitted, Buffered...) are interim and change nothing.
STATUS_TABLE = {"success": DELIVERED, "failed": FAILED, "rejected": FAILED,
                "absentsubscriber": FAILED, "expired": FAILED}
# Per-recipient status codes of a send.
AT_SENT = frozenset({100, 101, 102})                   # processed, sent, queued
AT_PERMANENT = frozenset({403, 404, 406, 409})         # invalid number, unsupported number
#                                                        type, blacklisted, do-not-disturb
TIMEOUT = (3.05, 10.0)  # connect, read: well inside an rq job's timeout


def _field(form: Mapping[str, str], name: str, limit: int) -> str:
    value = form.get(name)
    if value is None:
        raise Malformed(f"missing field {name!r}")
    value = value.replace("\x00", "")  # PostgreSQL text cannot hold a NUL: a 503 forever
    if len(value) > limit:
        raise Malformed(f"field {name!r} is too long")
    return value


def parse_inbound(form: MultiDict[str, str], body: bytes, mimetype: str) -> Arrived | None:
    """The callback as fields we can store; None when it holds no SMS field at all.

    A callback missing a field is still stored (``problem`` says what is wrong),
    so nothing a citizen sent is lost to an aggregator's mistake.
    """
    if not any(name in form for name in ("id", "from", "text")):
        return None
    problem = None
    try:
        _field(form, "id", MAX_ID), _field(form, "from", 40), _field(form, "text", MAX_TEXT)
        if not form["id"].strip() or not form["from"].strip():
            raise Malformed("empty 'id' or 'from'")
    except Malformed as exc:
        problem = str(exc)
    given_id = form.get("id", "").strip()
    provider_id = given_id if 0 < len(given_id) <= MAX_ID else \
        "sha:" + hashlib.sha256(given_id.encode() or body).hexdigest()
    fields = Arrived(provider_id=provider_id, sender=form.get("from", "").strip()[:40],
                     text=form.get("text", "")[:MAX_TEXT], to=form.get("to", "")[:40],
                     network_code=form.get("networkCode", "")[:16] or None,
                     link_id=form.get("linkId", "")[:128] or None, problem=problem, raw=None)
    return replace(fields, raw=_raw(form, body, mimetype, fields))


def _raw(form: MultiDict[str, str], body: bytes, mimetype: str,
         fields: Arrived) -> dict[str, Any] | None:
    """What arrived, kept only when the stored fields are not all of it."""
    if mimetype != FORM:
        return {"body": body[:MAX_RAW].decode("utf-8", "replace")}
    pairs = parse_qsl(body[:MAX_RAW].decode("utf-8", "replace"), keep_blank_values=True)
    stored = {"id": fields.provider_id, "from": fields.sender, "text": fields.text,
              "to": fields.to, "networkCode": fields.network_code or "",
              "linkId": fields.link_id or ""}
    cleaned = [(k, v) for k, v in form.items(multi=True)]
    whole = fields.problem is None and pairs == cleaned and all(
        stored[k].strip() == v.strip() for k, v in pairs if k in stored)
    return None if whole else {"form": [list(pair) for pair in pairs]}


@dataclass(frozen=True)
class Report:
    """A delivery report: whose, its words as sent, and core's outcome (None: interim)."""

    provider_id: str
    status: str
    reason: str
    outcome: str | None


def parse_report(form: Mapping[str, str]) -> Report:
    """The delivery report in ``form``; :class:`Malformed` without an id or a status."""
    provider_id, status = _field(form, "id", MAX_ID).strip(), _field(form, "status", 64).strip()
    if not provider_id or not status:
        raise Malformed("empty 'id' or 'status'")
    reason = form.get("failureReason", "")[:200]  # the edge layer took out NULs
    return Report(provider_id, status, reason, STATUS_TABLE.get(status.lower()))


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
