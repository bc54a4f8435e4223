"""The SMS blueprint: Africa's Talking inbound messages and delivery reports.

Views stay thin: the token is checked (:func:`infra.edge.check_callback_token`),
the adapter (:mod:`sms.africastalking`) reads the callback, the core acts, the
view answers. Inbound: the message is stored and committed first, once per
aggregator id (a retry of the same id finds the row and changes nothing), so a
crash after that loses nothing: a retry or the sweeper
(:func:`sms.jobs.sweep_queued_messages`) handles it later through
:func:`sms.handler.handle_stored`, which claims the row so two concurrent
deliveries of one id are handled once.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, Response, request
from sqlalchemy.exc import SQLAlchemyError

from core.delivery import settle_delivery
from core.inbound import Arrived, store_inbound
from infra import edge
from infra.db import database
from sms import africastalking
from sms.africastalking import PROVIDER
from sms.handler import handle_stored

log = logging.getLogger(__name__)
bp = Blueprint("sms", __name__, url_prefix="/sms")
bp.before_request(edge.check_callback_token)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


def _ok() -> Response:
    return Response("", 200, mimetype="text/plain")


@bp.post("/africastalking/inbound")
def inbound() -> Response:
    body = request.get_data(cache=True)  # before .form, so the raw form stays readable
    arrived = africastalking.parse_inbound(request.form, body, request.mimetype)
    if arrived is None:
        return edge.bad("missing field 'id'")
    try:
        msg_id = _store(arrived)
    except SQLAlchemyError:  # nothing stored: the aggregator's retry must bring it again
        log.exception("inbound SMS could not be stored")
        return Response("database unavailable\n", 503, mimetype="text/plain")
    if arrived.problem is not None:  # stored as it came, for an officer to read
        return edge.bad(arrived.problem)
    if msg_id is not None:
        try:
            handle_stored(msg_id)
        except Exception:  # stored and committed: the sweeper handles it later
            log.exception("inbound SMS %s stored but not handled", msg_id)
    return _ok()


def _store(arrived: Arrived) -> int | None:
    with database().sessionmaker() as session:
        msg_id = store_inbound(session, PROVIDER, arrived)
        session.commit()
    return msg_id


@bp.post("/africastalking/delivery")
def delivery() -> Response:
    try:
        report = africastalking.parse_report(request.form)
    except edge.Malformed as exc:
        return edge.bad(str(exc))
    with database().sessionmaker() as session:
        settle_delivery(session, report.provider_id, report.outcome, report.status,
                        report.reason)
        session.commit()
    return _ok()
