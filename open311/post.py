"""``POST /open311/v2/requests.(json|xml)``: a partner's app files feedback with its api_key.

GeoReport v2's *POST Service Request*, form-encoded. ``service_code`` is the
kind; the institution is ``attribute[institution]`` (a code from the service
definition) or ``agency_responsible``, and without either the central desk
routes it; ``attribute[anonymous]=true`` hides the submitter from every officer;
``phone``, ``first_name``/``last_name`` and ``attribute[language]`` are
optional. The location fields GeoReport names are accepted and ignored: we do
not collect places. The feedback goes through :func:`core.partners.submit_for_partner`,
the same submission as USSD and SMS (per-number limits, privacy, the reference
SMS to a given phone), under channel ``partner``. Each key has a rate limit of
its own (``limits``' moving window in Redis, shared by every web worker).
"""

from __future__ import annotations

import logging

import redis
from flask import Response, current_app, request
from limits import parse_many
from limits.strategies import MovingWindowRateLimiter

from core.errors import MrejeshoError, NotAllowed, NotFound, RateLimited
from core.institutions import TRIAGE_CODE
from core.models import Feedback, Partner
from core.partners import partner_for_key, submit_for_partner
from core.services import Submission
from infra.db import session
from infra.edge import held_nul
from open311.views import SERVICES, BadRequest, route
from open311.wire import error, render, shown

log = logging.getLogger(__name__)
TRUE, FALSE = frozenset({"true", "1", "yes"}), frozenset({"false", "0", "no", ""})
MAX_FIELD = 4000


def _field(name: str) -> str:
    value = request.form.get(name, "")
    if held_nul(request.form, name):
        raise BadRequest(f"{name} contains a NUL character")
    if len(value) > MAX_FIELD:
        raise BadRequest(f"{name} is longer than {MAX_FIELD} characters")
    return value.strip()


def _partner() -> Partner:
    key = request.form.get("api_key", "")  # never from the URL, which access logs keep
    partner = partner_for_key(session(), key) if not held_nul(request.form, "api_key") else None
    if partner is None:
        raise BadRequest("api_key is missing, unknown or revoked", 403)
    return partner


def _limit(partner: Partner) -> Response | None:
    """429 in GeoReport's shape once the key has used its window; Redis down lets it by."""
    limiter: MovingWindowRateLimiter = current_app.extensions["security_limiter"]
    try:
        for item in parse_many(current_app.config["OPEN311_KEY_RATE_LIMIT"]):
            if not limiter.hit(item, "open311-key", str(partner.id)):
                log.warning("Open311 rate limit hit by partner %s", partner.id)
                return _too_many(item.get_expiry())
    except redis.RedisError as exc:  # the per-number limits in the database still hold
        log.error("Open311 key rate limit unavailable: %s", exc)
    return None


def _too_many(retry_after: int) -> Response:
    fmt = "json" if request.path.endswith(".json") else "xml"
    response = error(fmt, 429, "too many requests with this api_key; wait and try again")
    response.headers["Retry-After"] = str(retry_after)
    return response


def _flag(name: str) -> bool:
    value = _field(name).lower()
    if value not in TRUE | FALSE:
        raise BadRequest(f"{name} must be true or false")
    return value in TRUE


def _submission() -> Submission:
    kind = _field("service_code")
    if kind not in SERVICES:
        raise BadRequest("service_code must be one of " + ", ".join(SERVICES))
    name = " ".join(n for n in (_field("first_name"), _field("last_name")) if n)
    language = _field("attribute[language]") or "sw"
    if language not in ("sw", "en"):
        raise BadRequest("attribute[language] must be sw or en")
    return Submission(
        kind=kind, channel="partner",
        institution_code=(_field("attribute[institution]") or _field("agency_responsible")
                          or TRIAGE_CODE),
        description=_field("description"), phone=_field("phone") or None, name=name or None,
        anonymous=_flag("attribute[anonymous]"), language=language)


def _refusal(exc: MrejeshoError) -> tuple[int, str]:
    if isinstance(exc, RateLimited):
        return 429, "this phone number has sent too many submissions; try again later"
    if isinstance(exc, NotFound):
        return 400, "unknown institution: see the service definition's institution values"
    if isinstance(exc, NotAllowed):
        return 403, exc.message
    return 400, exc.message


@route("/v2/requests", methods=["POST"])
def create_request(fmt: str) -> Response:
    """File one feedback; the answer carries its reference as ``service_request_id``."""
    partner = _partner()
    limited = _limit(partner)
    if limited is not None:
        return limited
    sub = _submission()
    db = session()
    try:
        feedback = submit_for_partner(db, partner, sub)
        db.commit()
    except MrejeshoError as exc:
        db.rollback()
        code, reason = _refusal(exc)
        return error(fmt, code, shown(reason, 200))
    return render(fmt, "service_requests", [{
        "service_request_id": feedback.reference, "service_notice": _notice(feedback, sub),
        "account_id": None}], 201)


def _notice(feedback: Feedback, sub: Submission) -> str:
    due = feedback.due_at.date().isoformat() if feedback.due_at else "-"
    sms = " The reference was sent to the citizen by SMS." if sub.phone else ""
    return f"Received as {feedback.reference}; an answer is due by {due}.{sms}"
