"""The phone simulator: a feature phone in the browser, for the embedded default only.

The page speaks to the real ``/ussd/africastalking`` and
``/sms/africastalking/inbound`` callbacks exactly as Africa's Talking would,
so what a person tries here is what a citizen gets; it never calls the core.
The only thing it reads directly is the outbox: the OutboundMessage rows of a
number, which with no aggregator credentials are the SMS the citizen would
have received. With credentials configured the page does not exist at all: a
real deployment must not offer a form that writes feedback under any number.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    jsonify,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from core import gsm
from core.errors import InvalidPhone
from core.models import OutboundMessage, Subscriber
from core.phones import normalise_phone
from infra import db

bp = Blueprint("simulator", __name__, url_prefix="/simulator")

USSD_PATH = "/ussd/africastalking"
USSD_EVENTS_PATH = "/ussd/africastalking/events"
SMS_INBOUND_PATH = "/sms/africastalking/inbound"
OUTBOX_LIMIT = 100
# Everything the page needs is served by the app: nothing from elsewhere may load or be called.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; "
       "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")

# Africa's Talking network codes for Tanzania; 99999 is the AT sandbox ("Athena").
NETWORKS = (
    ("64004", "Vodacom"),
    ("64005", "Airtel"),
    ("64002", "Yas (Tigo)"),
    ("64009", "Halotel"),
    ("64007", "TTCL"),
    ("64003", "Zantel"),
    ("99999", "Sandbox"),
)


def init_app(app: Flask) -> None:
    """Mount the page only on the embedded default with no aggregator credentials."""
    if app.config.get("EMBEDDED") and not app.config.get("AT_API_KEY"):
        app.register_blueprint(bp)


def is_mounted(app: Flask) -> bool:
    return bp.name in app.blueprints


@bp.after_request
def _headers(resp: Response) -> Response:
    resp.headers.setdefault("Content-Security-Policy", CSP)
    resp.headers.setdefault("Cache-Control", "no-store")
    return resp


@bp.get("")
def page() -> ResponseReturnValue:
    return render_template("simulator/page.html", settings=_page_settings(),
                           networks=NETWORKS, demo_phone=current_app.config["SIMULATOR_PHONE"])


def _page_settings() -> dict[str, Any]:
    """What the page's script needs; given as JSON so that nothing is duplicated in JS."""
    config = current_app.config
    token = config.get("CALLBACK_TOKEN")
    query = f"?{urlencode({'token': token})}" if token else ""
    root = request.script_root  # the app may be mounted under a prefix
    return {
        "serviceCode": config["USSD_SERVICE_CODE"],
        "shortCode": str(config["AT_SHORT_CODE"]),
        "ussdUrl": root + USSD_PATH + query,
        "ussdEventsUrl": root + USSD_EVENTS_PATH + query,
        "smsUrl": root + SMS_INBOUND_PATH + query,
        "adminUrl": root + "/admin/",
        "outboxUrl": url_for("simulator.outbox"),
        "channels": {"ussd": _routed(USSD_PATH), "sms": _routed(SMS_INBOUND_PATH)},
        "gsmBasic": "".join(sorted(gsm.BASIC)),
        "gsmExtension": "".join(sorted(gsm.EXTENSION)),
        "screenLimit": gsm.SINGLE,
    }


def _routed(path: str) -> bool:
    """Whether a channel is mounted yet, so the page can say so instead of failing."""
    adapter = current_app.url_map.bind("localhost")
    return bool(adapter.test(path, method="POST"))


@bp.get("/outbox")
def outbox() -> ResponseReturnValue:
    """The SMS held for a number, oldest first: what the citizen's phone would show."""
    raw = request.args.get("phone", "")
    try:
        phone = normalise_phone(raw)
    except InvalidPhone as exc:
        return jsonify(error=exc.code, message=exc.message), 400
    newest = (select(OutboundMessage).where(OutboundMessage.phone == phone)
              .order_by(OutboundMessage.id.desc()).limit(OUTBOX_LIMIT))
    session = db.session()
    rows = list(reversed(session.scalars(newest).all()))
    language = session.scalar(select(Subscriber.language).where(Subscriber.phone == phone))
    return jsonify(phone=phone, language=language, messages=[_message(m) for m in rows])


def _message(m: OutboundMessage) -> dict[str, Any]:
    return {
        "id": m.id,
        "text": m.text,
        "purpose": m.purpose,
        "status": m.status,
        "created_at": m.created_at.isoformat(),
        "sent_at": m.sent_at.isoformat() if m.sent_at else None,
    }
