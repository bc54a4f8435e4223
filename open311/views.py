"""A public Open311 GeoReport v2 API over the feedback, for apps, newspapers and partners.

Reads are open to anyone. Only non-anonymous, non-sensitive feedback that is
feedback at all (not rejected) is listed, and of it only what tracking from a
stranger's phone shows: the kind, the institution, the status and the dates.
``description`` is always ``null``: a citizen's own words may name them, their
village or their officer, and no filter can promise otherwise. Names, phone
numbers, answers, appeal reasons and partners never appear; nor do the
geographic fields, which we do not collect. Writes (``POST requests``) need a
partner's ``api_key``: :mod:`open311.post`.

Every endpoint answers in the format its extension names (``.xml``, GeoReport's
default, or ``.json``); errors too (:mod:`open311.wire`). Status: received,
in progress and appealed are ``open``; answered and closed are ``closed`` (an
answer may still be appealed: ``status_notes`` says so). ``expected_datetime``
is the service level's due date. Times are W3C date-times in East Africa Time.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, Flask, Response, current_app, request
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload, raiseload
from werkzeug.exceptions import HTTPException

from core import labels
from core.accountability import EAT
from core.errors import InvalidReference
from core.i18n import translator
from core.models import Feedback, Institution
from core.references import parse_reference
from core.status import OPEN_VALUES, Status
from infra.db import read_session
from infra.edge import http_error, nul_keys
from open311.wire import FORMATS, error, format_of, render, shown

bp = Blueprint("open311", __name__, url_prefix="/open311")

OPEN = OPEN_VALUES  # GeoReport's "open": core's one definition
CLOSED = (Status.ANSWERED.value, Status.CLOSED.value)
DEFAULT_WINDOW = timedelta(days=90)  # GeoReport: without dates, the last 90 days
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-12-01T00:00:00+03:00"  # when this API last changed shape
SERVICES: dict[str, tuple[str, str, str]] = {  # code: English name, Swahili name, description
    kind: (translator("en")._(words), translator("sw")._(words), labels.SERVICE_ABOUT[kind])
    for kind, words in labels.KINDS.items()}  # core's one table: the menus' and the SMS' words
NOTES = labels.STATUS_NOTES
NOT_FOUND = "no such service request"
_WHOLE = re.compile(r"[0-9]{1,7}")  # ASCII digits only: str.isdigit() also takes '²'


class BadRequest(Exception):
    """A parameter the API refuses: answered 400 with ``description``, in the asked format."""

    def __init__(self, description: str, code: int = 400) -> None:
        super().__init__(description)
        self.description, self.code = description, code


View = Callable[..., Response]


def route(rule: str, **options: Any) -> Callable[[View], View]:
    """Register ``view`` at ``rule.json`` and ``rule.xml``; it gets the format as ``fmt``."""
    def register(view: View) -> View:
        for fmt in FORMATS:
            bp.add_url_rule(f"{rule}.{fmt}", f"{view.__name__}_{fmt}", view,
                            defaults={"fmt": fmt}, **options)
        return view
    return register


def _when(moment: datetime | None) -> str | None:
    return moment.astimezone(EAT).isoformat(timespec="seconds") if moment else None


def public_feedback() -> Select[Feedback]:
    """The feedback the public may see, with the institution loaded and nothing else."""
    return (select(Feedback)
            .where(Feedback.anonymous.is_(False), Feedback.sensitive.is_(False),
                   Feedback.status.in_(OPEN + CLOSED))
            .options(joinedload(Feedback.institution).joinedload(Institution.parent),
                     raiseload(Feedback.events)))


def _status_notes(feedback: Feedback) -> str:
    notes = NOTES[feedback.status]
    if feedback.escalated and feedback.status in OPEN:
        parent = feedback.institution.parent
        notes += "; overdue, escalated to " + (parent.name_en if parent else "oversight")
    return notes


def serialise(feedback: Feedback) -> dict[str, Any]:
    """One request, with exactly GeoReport v2's fields; nothing that could identify anyone."""
    return {
        "service_request_id": feedback.reference,
        "status": "open" if feedback.status in OPEN else "closed",
        "status_notes": _status_notes(feedback),
        "service_name": SERVICES[feedback.kind][0],
        "service_code": feedback.kind,
        "description": None,
        "agency_responsible": feedback.institution.name_en,
        "service_notice": None,
        "requested_datetime": _when(feedback.created_at),
        "updated_datetime": _when(feedback.updated_at),
        "expected_datetime": _when(feedback.due_at),
        "address": None, "address_id": None, "zipcode": None,
        "lat": None, "long": None, "media_url": None,
    }


@bp.before_request
def _check_jurisdiction() -> Response | None:
    """One jurisdiction is served; naming it is allowed, naming another is a 404."""
    given = request.values.get("jurisdiction_id")
    if given and given != current_app.config["OPEN311_JURISDICTION"]:
        return error(format_of(request.path), 404, "unknown jurisdiction_id")
    # The edge drops NUL for every view; a GeoReport caller is told instead, so that a
    # filter it sent is never silently read as another (``status=%00`` as no filter).
    if held := nul_keys(request.args):
        names = ", ".join(sorted(shown(k, 20) for k in held))
        return error(format_of(request.path), 400, f"a NUL character in {names}")
    return None


@bp.errorhandler(BadRequest)
def _bad_request(exc: BadRequest) -> Response:
    return error(format_of(request.path), exc.code, exc.description)


def discovery_document() -> dict[str, Any]:
    base = request.url_root.rstrip("/") + bp.url_prefix + "/v2"  # type: ignore[operator]
    return {
        "changeset": CHANGESET,
        "contact": current_app.config["OPEN311_CONTACT"],
        "key_service": current_app.config["OPEN311_KEY_SERVICE"],
        "endpoints": [{"specification": SPECIFICATION, "url": base, "changeset": CHANGESET,
                       "type": "production", "formats": ["text/xml", "application/json"]}],
    }


@route("/discovery")
def discovery(fmt: str) -> Response:
    """GeoReport's service discovery: where the API is, its formats, who to ask for a key."""
    return render(fmt, "discovery", discovery_document())


@route("/v2/services")
def services(fmt: str) -> Response:
    return render(fmt, "services", [{
        "service_code": code, "service_name": english, "description": about,
        "metadata": True, "type": "batch", "keywords": f"{swahili.lower()},{code}",
        "group": "feedback"} for code, (english, swahili, about) in SERVICES.items()])


def _choice(order: int, code: str, description: str,
            values: list[tuple[str, str]]) -> dict[str, Any]:
    return {"variable": True, "code": code, "datatype": "singlevaluelist", "required": False,
            "datatype_description": None, "order": order, "description": description,
            "values": [{"key": key, "name": name} for key, name in values]}


@route("/v2/services/<service_code>")
def service_definition(fmt: str, service_code: str) -> Response:
    """The attributes a POST may carry: the institution, anonymity and the language."""
    if service_code not in SERVICES:
        raise BadRequest("no such service_code", 404)
    institutions = read_session().execute(
        select(Institution.code, Institution.name_en).order_by(Institution.code)).all()
    return render(fmt, "service_definition", {"service_code": service_code, "attributes": [
        _choice(1, "institution", "The institution it is for (also by agency_responsible); "
                "without one, the central desk routes it", [(c, n) for c, n in institutions]),
        _choice(2, "anonymous", "true: no officer ever sees the submitter's number or name",
                [("false", "Named"), ("true", "Anonymous")]),
        _choice(3, "language", "The language of the citizen's SMS",
                [("sw", "Kiswahili"), ("en", "English")]),
    ]})


def _parse_time(name: str) -> datetime | None:
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00").replace(" ", "+"))
        moment = moment if moment.tzinfo else moment.replace(tzinfo=EAT)
        return moment.astimezone(UTC)  # year 1 at +14:00 has no UTC: OverflowError
    except (ValueError, OverflowError):
        raise BadRequest(f"{name} must be a W3C date-time such as "
                         "2026-01-31T09:00:00+03:00") from None


def _parse_int(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not _WHOLE.fullmatch(raw) or not low <= int(raw) <= high:
        raise BadRequest(f"{name} must be a whole number from {low} to {high}")
    return int(raw)


def _codes(name: str, allowed: set[str]) -> list[str]:
    values = [v.strip() for v in request.args.get(name, "").split(",") if v.strip()]
    unknown = [shown(v, 20) for v in values if v not in allowed]
    if unknown:
        raise BadRequest(f"unknown {name}: {', '.join(unknown[:5])}; "
                         f"one of {', '.join(sorted(allowed))}")
    return values


def _filtered(query: Select[Feedback]) -> Select[Feedback]:
    statuses = _codes("status", {"open", "closed"})
    if statuses:
        query = query.where(Feedback.status.in_(
            [s for code in statuses for s in (OPEN if code == "open" else CLOSED)]))
    kinds = _codes("service_code", set(SERVICES))
    if kinds:
        query = query.where(Feedback.kind.in_(kinds))
    start, end = _parse_time("start_date"), _parse_time("end_date")
    if start is None and end is None:
        start = datetime.now(UTC) - DEFAULT_WINDOW
    if start is not None:
        query = query.where(Feedback.created_at >= start)
    if end is not None:
        query = query.where(Feedback.created_at <= end)
    return query


def _by_ids(raw: str) -> Select[Feedback]:
    try:
        refs = [parse_reference(r) for r in raw.split(",") if r.strip()][:100]
    except InvalidReference:
        raise BadRequest("service_request_id must be reference numbers of 10 digits, "
                         "separated by commas") from None
    return public_feedback().where(Feedback.reference.in_(refs))


@route("/v2/requests", methods=["GET"])
def requests(fmt: str) -> Response:
    """Newest first; ``page`` (from 1) and ``page_size`` (at most 1000) page the list."""
    if request.args.get("service_request_id"):
        query = _by_ids(request.args["service_request_id"])  # GeoReport: other filters ignored
    else:
        query = _filtered(public_feedback())
    size = _parse_int("page_size", current_app.config["OPEN311_PAGE_SIZE"], 1, 1000)
    page = _parse_int("page", 1, 1, 1_000_000)
    rows = read_session().scalars(query.order_by(Feedback.created_at.desc(), Feedback.id.desc())
                             .limit(size).offset((page - 1) * size)).unique()
    return render(fmt, "service_requests", [serialise(f) for f in rows])


@route("/v2/requests/<service_request_id>")
def one_request(fmt: str, service_request_id: str) -> Response:
    """A list of one, as GeoReport returns it; a mistyped, private or unknown one is 404."""
    try:
        ref = parse_reference(service_request_id)
    except InvalidReference:
        raise BadRequest(NOT_FOUND, 404) from None
    feedback = read_session().scalars(public_feedback().where(Feedback.reference == ref)).first()
    if feedback is None:
        raise BadRequest(NOT_FOUND, 404)
    return render(fmt, "service_requests", [serialise(feedback)])


@bp.after_request
def _public_headers(response: Response) -> Response:
    """Anyone may read it, from any page: it holds nothing private."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    if request.method == "GET":
        response.headers.setdefault("Cache-Control", "public, max-age=60")
    else:
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _http_error(exc: HTTPException) -> Response | HTTPException:
    """Under /open311/, even a path or method Flask does not know answers in GeoReport's shape."""
    if not request.path.startswith(bp.url_prefix + "/"):  # type: ignore[operator]
        return http_error(exc)  # the edge's one line (a 413 is a 400 there too)
    code = 400 if exc.code == 413 else exc.code or 500  # the edge's rule, in GeoReport's shape
    response = error(format_of(request.path), code, exc.description or exc.name)
    if exc.code == 405:
        response.headers["Allow"] = exc.get_response().headers.get("Allow", "")
    return _public_headers(response)


def init_app(app: Flask) -> None:
    from open311 import post  # noqa: F401  (adds POST requests to the blueprint)

    app.register_blueprint(bp)
    for code in (400, 404, 405, 413):
        app.register_error_handler(code, _http_error)
