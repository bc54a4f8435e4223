"""The SMS blueprint: Africa's Talking inbound messages and delivery reports.

Inbound: the message is stored and committed first, once per aggregator id
(a retry of the same id finds the row and changes nothing), so a crash after
that loses nothing: a retry or the sweeper (:func:`sms.jobs.sweep_queued_messages`)
handles it later. Handling claims the row (``handled_at IS NULL``) so two
concurrent deliveries of one id are handled once.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from flask import Blueprint, Flask, Response, abort, current_app, request
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from core import clock
from core.errors import InvalidPhone
from core.events import EventKind, record
from core.models import InboundMessage, OutboundMessage, utcnow
from core.phones import normalise_phone
from infra import kv, security
from infra.db import database
from sessions.sms_drafts import SmsDrafts
from sms.directory import DirectoryHolder
from sms.handler import handle
from sms.rows import updated

log = logging.getLogger(__name__)
bp = Blueprint("sms", __name__, url_prefix="/sms")
PROVIDER = "africastalking"
MAX_TEXT = 10_000
MAX_ID = 128
MAX_RAW = 64_000
# Delivery report statuses: final ones settle the message.
DELIVERED = frozenset({"success"})
FAILED = frozenset({"failed", "rejected", "absentsubscriber", "expired"})


def init_app(app: Flask) -> None:
    app.extensions["sms_directory"] = DirectoryHolder()
    app.register_blueprint(bp)


@bp.before_request
def _check_token() -> None:
    token = current_app.config.get("CALLBACK_TOKEN")
    given = request.args.get("token", "")
    if token and not hmac.compare_digest(given.encode(), str(token).encode()):
        abort(Response("wrong or missing token\n", 403, mimetype="text/plain"))


def _bad(reason: str) -> Response:
    return Response(reason + "\n", 400, mimetype="text/plain")


def _field(name: str, limit: int) -> str:
    value = request.form.get(name)
    if value is None:
        raise ValueError(f"missing field {name!r}")
    value = value.replace("\x00", "")  # PostgreSQL text cannot hold a NUL: a 503 forever
    if len(value) > limit:
        raise ValueError(f"field {name!r} is too long")
    return value


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


def _arrived() -> Arrived | None:
    """The callback as fields we can store; None when it holds no SMS field at all."""
    raw_body = request.get_data(cache=True)  # before .form, so the raw form stays readable
    form = request.form
    if not any(name in form for name in ("id", "from", "text")):
        return None
    problem = None
    try:
        _field("id", MAX_ID), _field("from", 40), _field("text", MAX_TEXT)
        if not form["id"].strip() or not form["from"].strip():
            raise ValueError("empty 'id' or 'from'")
    except ValueError as exc:
        problem = str(exc)
    given_id = form.get("id", "").strip()
    provider_id = given_id if 0 < len(given_id) <= MAX_ID else \
        "sha:" + hashlib.sha256(given_id.encode() or raw_body).hexdigest()
    fields = Arrived(provider_id=provider_id, sender=form.get("from", "").strip()[:40],
                     text=form.get("text", "")[:MAX_TEXT], to=form.get("to", "")[:40],
                     network_code=form.get("networkCode", "")[:16] or None,
                     link_id=form.get("linkId", "")[:128] or None, problem=problem, raw=None)
    return replace(fields, raw=_raw(raw_body, fields))


def _raw(body: bytes, fields: Arrived) -> dict[str, Any] | None:
    """What arrived, kept only when the stored fields are not all of it."""
    if request.mimetype != "application/x-www-form-urlencoded":
        return {"body": body[:MAX_RAW].decode("utf-8", "replace")}
    pairs = parse_qsl(body[:MAX_RAW].decode("utf-8", "replace"), keep_blank_values=True)
    stored = {"id": fields.provider_id, "from": fields.sender, "text": fields.text,
              "to": fields.to, "networkCode": fields.network_code or "",
              "linkId": fields.link_id or ""}
    cleaned = [(k, v) for k, v in request.form.items(multi=True)]
    whole = fields.problem is None and pairs == cleaned and all(
        stored[k].strip() == v.strip() for k, v in pairs if k in stored)
    return None if whole else {"form": [list(pair) for pair in pairs]}


@bp.post("/africastalking/inbound")
def inbound() -> Response:
    arrived = _arrived()
    if arrived is None:
        return _bad("missing field 'id'")
    try:
        msg_id = _store(arrived)
    except SQLAlchemyError:  # nothing stored: the aggregator's retry must bring it again
        log.exception("inbound SMS could not be stored")
        return Response("database unavailable\n", 503, mimetype="text/plain")
    if arrived.problem is not None:  # stored as it came, for an officer to read
        return _bad(arrived.problem)
    if msg_id is not None:
        try:
            handle_stored(msg_id)
        except Exception:  # stored and committed: the sweeper handles it later
            log.exception("inbound SMS %s stored but not handled", msg_id)
    return Response("", 200, mimetype="text/plain")


def _store(a: Arrived) -> int | None:
    """Insert the message once per aggregator id; the id of the stored row.

    A callback we cannot handle is stored already handled (``command`` says why),
    so the sweeper leaves it alone.
    """
    with database().sessionmaker() as session:
        now = utcnow()
        msg = InboundMessage(provider=PROVIDER, provider_id=a.provider_id, phone=a.sender,
                             to=a.to, text=a.text, network_code=a.network_code,
                             link_id=a.link_id, received_at=now, raw=a.raw)
        if a.problem is not None:
            msg.command, msg.handled_at = "unreadable", now
        session.add(msg)
        try:
            session.commit()
        except IntegrityError:  # the aggregator's retry of a message we already have
            session.rollback()
            msg_id = session.scalar(select(InboundMessage.id).where(
                InboundMessage.provider == PROVIDER, InboundMessage.provider_id == a.provider_id))
        else:
            msg_id = msg.id
    return msg_id


def handle_stored(inbound_id: int) -> bool:
    """Handle a stored inbound message unless someone already has; True if this call did."""
    with database().sessionmaker() as session:
        now = clock.now(session)  # the clock every host shares, not this host's
        claimed = updated(session,
            update(InboundMessage)
            .where(InboundMessage.id == inbound_id, InboundMessage.handled_at.is_(None))
            .values(handled_at=now))
        if not claimed:
            session.rollback()
            return False
        msg = session.get(InboundMessage, inbound_id, populate_existing=True)
        assert msg is not None
        _handle(session, msg, now)
        session.commit()
        return True


def _handle(session: Session, msg: InboundMessage, now: datetime) -> None:
    try:
        msg.phone = normalise_phone(msg.phone)
    except InvalidPhone:  # kept, but there is no one we could answer
        msg.command = "invalid_sender"
        log.info("inbound SMS %s from a number we cannot answer", msg.id)
        return
    directory = current_app.extensions["sms_directory"].get(session)
    handle(session, msg, directory, now, SmsDrafts(kv.client()), allow_reply=_reply_allowed)


def _reply_allowed(phone: str) -> bool:
    return security.allow("sms-reply", phone, "SMS_REPLY_RATE_LIMIT")


@bp.post("/africastalking/delivery")
def delivery() -> Response:
    try:
        provider_id, status = _field("id", MAX_ID).strip(), _field("status", 64).strip()
    except ValueError as exc:
        return _bad(str(exc))
    if not provider_id or not status:
        return _bad("empty 'id' or 'status'")
    reason = request.form.get("failureReason", "")[:200]  # the edge layer took out NULs
    key = status.lower()
    with database().sessionmaker() as session:
        msg = session.scalar(select(OutboundMessage).where(
            OutboundMessage.provider_id == provider_id).with_for_update())
        if msg is None:  # not ours, or long purged: nothing to record, nothing to retry
            return Response("", 200, mimetype="text/plain")
        _record_report(session, msg, key, status, reason)
        session.commit()
    return Response("", 200, mimetype="text/plain")


def _record_report(session: Session, msg: OutboundMessage, key: str, status: str,
                   reason: str) -> None:
    """Settle the message on a final report; a repeat of the same report changes nothing."""
    if key in DELIVERED and msg.status != "delivered":
        msg.status, msg.delivered_at, msg.last_error = "delivered", utcnow(), None
        kind = "sms_delivered"
    elif key in FAILED and msg.status not in ("failed", "delivered"):
        msg.status, msg.last_error = "failed", f"{status} {reason}".strip()[:1000]
        kind = "sms_failed"
    else:
        return  # an interim report (Sent, Buffered...) or a duplicate
    if msg.feedback_id is not None:
        record(session, msg.feedback_id, EventKind(kind), message_id=msg.id, status=status,
               reason=reason)
