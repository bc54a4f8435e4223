"""Africa's Talking, everything its SMS wire format knows: inbound, delivery reports, send.

One module per aggregator (courier's ``handlers/africastalking``): the inbound
form read into what we store, the delivery report read through the status table
into core's outcome, and bulk SMS sent through the official SDK. The blueprint
(:mod:`sms.views`) only checks the token, calls this and the core, and answers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
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
from sms.port import Item, Outcomes, Permanent, Retryable, SendError

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
IN_FLIGHT = 8  # a batch's requests at once: a slow provider's answers overlap
MAX_RECIPIENTS = 100  # numbers in one bulk request (the SDK sends them in its form body)


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
        outcome = self._send_one_text(text, [(message_id, phone)])[message_id]
        if isinstance(outcome, SendError):
            raise outcome
        return outcome

    def send_many(self, items: Sequence[Item]) -> Outcomes:
        """One bulk request per text (its numbers together), up to IN_FLIGHT requests at once.

        A provider answering in 200 ms would otherwise hold a batch for 200 ms per
        message; one text to many numbers (a campaign) is one request, as the SDK allows.
        """
        groups = _by_text(items)
        if len(groups) == 1:
            return self._send_one_text(*groups[0])
        outcomes: Outcomes = {}
        with ThreadPoolExecutor(min(IN_FLIGHT, len(groups))) as pool:
            for found in pool.map(lambda group: self._send_one_text(*group), groups):
                outcomes.update(found)
        return outcomes

    def _send_one_text(self, text: str, to: list[tuple[int, str]]) -> Outcomes:
        phones = [phone for _, phone in to]
        try:
            response = self._service.send(text, phones, sender_id=self.sender_id,
                                          timeout=self.timeout)
        except requests.RequestException as exc:
            error: SendError = Retryable(f"network: {type(exc).__name__}: {exc}"[:500])
        except AfricasTalkingException as exc:  # any non-2xx answer
            error = Retryable(f"http error: {str(exc)[:300]}")
        except ValueError as exc:  # the SDK refuses a number before calling out
            if len(to) > 1:  # one bad number must not fail the others: each on its own
                return {k: v for item in to for k, v in self._send_one_text(text, [item]).items()}
            error = Permanent(f"invalid number: {exc}")
        else:
            return {message_id: _outcome(response, phone, len(to) == 1)
                    for message_id, phone in to}
        return {message_id: error for message_id, _ in to}


def _by_text(items: Sequence[Item]) -> list[tuple[str, list[tuple[int, str]]]]:
    """Items grouped by text, a number at most once per group (its answer is by number)."""
    groups: list[tuple[str, list[tuple[int, str]]]] = []
    open_groups: dict[str, list[tuple[str, list[tuple[int, str]]]]] = {}
    for message_id, phone, text in items:
        candidates = open_groups.setdefault(text, [])
        group = next((g for g in candidates if all(p != phone for _, p in g[1])), None)
        if group is None or len(group[1]) >= MAX_RECIPIENTS:
            group = (text, [])
            candidates.append(group)
            groups.append(group)
        group[1].append((message_id, phone))
    return groups


def _outcome(response: Any, phone: str, alone: bool) -> str | SendError:
    try:
        return _recipient_id(response, phone, alone)
    except SendError as exc:
        return exc


def _recipient_id(response: Any, phone: str, alone: bool = True) -> str:
    try:
        recipients = response["SMSMessageData"]["Recipients"]
    except (TypeError, KeyError) as exc:
        raise Retryable(f"unexpected response: {str(response)[:300]}") from exc
    rec: Mapping[str, Any] | None = next(
        (r for r in recipients if isinstance(r, Mapping) and r.get("number") == phone),
        recipients[0] if alone and recipients else None)
    if rec is None:
        message = str(response["SMSMessageData"].get("Message", ""))[:300]
        raise Retryable(f"no recipient accepted: {message}")
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
