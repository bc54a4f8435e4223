"""The SMS blueprint: Africa's Talking inbound messages and delivery reports.

Inbound: the message is stored and committed first, once per aggregator id
(a retry of the same id finds the row and changes nothing), so a crash after
that loses nothing: a retry or the sweeper (:func:`sms.jobs.sweep_queued_messages`)
handles it later. Handling claims the row (``handled_at IS NULL``) so two
concurrent deliveries of one id are handled once.
"""

from __future__ import annotations

import hmac
import logging
from datetime import datetime

from flask import Blueprint, Flask, Response, abort, current_app, request
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from core import clock
from core.errors import InvalidPhone
from core.models import Event, InboundMessage, OutboundMessage, utcnow
from core.phones import normalise_phone
from sessions.sms_drafts import SmsDrafts
from sms.directory import DirectoryHolder
from sms.handler import handle
from sms.rows import updated
from web import kv
from web.db import database

log = logging.getLogger(__name__)
bp = Blueprint("sms", __name__, url_prefix="/sms")
PROVIDER = "africastalking"
MAX_TEXT = 10_000
MAX_ID = 128
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


def _optional(name: str, limit: int) -> str:
    return request.form.get(name, "").replace("\x00", "")[:limit]


@bp.post("/africastalking/inbound")
def inbound() -> Response:
    try:
        provider_id, sender = _field("id", MAX_ID).strip(), _field("from", 40).strip()
        text = _field("text", MAX_TEXT)
        if not provider_id or not sender:
            raise ValueError("empty 'id' or 'from'")
    except ValueError as exc:
        return _bad(str(exc))
    try:
        msg_id = _store(provider_id, sender, text.replace("\x00", ""))
    except SQLAlchemyError:  # nothing stored: the aggregator's retry must bring it again
        log.exception("inbound SMS could not be stored")
        return Response("database unavailable\n", 503, mimetype="text/plain")
    if msg_id is not None:
        try:
            handle_stored(msg_id)
        except Exception:  # stored and committed: the sweeper handles it later
            log.exception("inbound SMS %s stored but not handled", msg_id)
    return Response("", 200, mimetype="text/plain")


def _store(provider_id: str, sender: str, text: str) -> int | None:
    """Insert the message once per aggregator id; the id of the stored row."""
    with database().sessionmaker() as session:
        msg = InboundMessage(provider=PROVIDER, provider_id=provider_id, phone=sender,
                             to=_optional("to", 40), text=text,
                             network_code=_optional("networkCode", 16) or None,
                             link_id=_optional("linkId", 128) or None,
                             received_at=utcnow())
        session.add(msg)
        try:
            session.commit()
        except IntegrityError:  # the aggregator's retry of a message we already have
            session.rollback()
            msg_id = session.scalar(select(InboundMessage.id).where(
                InboundMessage.provider == PROVIDER, InboundMessage.provider_id == provider_id))
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
    handle(session, msg, directory, now, SmsDrafts(kv.client()))


@bp.post("/africastalking/delivery")
def delivery() -> Response:
    try:
        provider_id, status = _field("id", MAX_ID).strip(), _field("status", 64).strip()
    except ValueError as exc:
        return _bad(str(exc))
    if not provider_id or not status:
        return _bad("empty 'id' or 'status'")
    reason = _optional("failureReason", 200)
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
        session.add(Event(feedback_id=msg.feedback_id, kind=kind,
                          data={"message_id": msg.id, "status": status, "reason": reason}))
