"""A public, read-only Open311 GeoReport v2 API over the feedback, for apps and newspapers.

Only non-anonymous, non-sensitive feedback that is feedback at all (not
rejected) is listed, and of it only what tracking from a stranger's phone
shows: the kind, the institution, the status and the dates. ``description``
is always ``null``: a citizen's own words may name them, their village or
their officer, and no filter can promise otherwise. Names, phone numbers,
answers and appeal reasons never appear; nor do the geographic fields, which
we do not collect.

Status: received, in progress and appealed are ``open``; answered and closed
are ``closed`` (an answer may still be appealed: ``status_notes`` says so).
``expected_datetime`` is the due date of the service level. Times are ISO 8601
in East Africa Time. Errors are GeoReport's ``[{"code", "description"}]``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, request
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload, raiseload

from core.accountability import EAT
from core.errors import InvalidReference
from core.models import Feedback, Institution
from core.references import parse_reference
from core.status import Kind, Status
from web.db import read_session

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")

OPEN = (Status.RECEIVED.value, Status.IN_PROGRESS.value, Status.APPEALED.value)
CLOSED = (Status.ANSWERED.value, Status.CLOSED.value)
DEFAULT_WINDOW = timedelta(days=90)  # GeoReport: without dates, the last 90 days
SERVICES: dict[str, tuple[str, str, str]] = {  # code: English name, Swahili name, description
    Kind.COMPLAINT: ("Complaint", "Lalamiko", "Something a public institution did or failed to do"),
    Kind.SUGGESTION: ("Suggestion", "Pendekezo", "An idea to improve a public service"),
    Kind.INQUIRY: ("Inquiry", "Ulizo", "A question to a public institution"),
    Kind.COMPLIMENT: ("Compliment", "Pongezi", "Praise for a public service or officer"),
    Kind.OPINION: ("Opinion", "Maoni", "A view on a public service or policy"),
}
NOTES = {
    Status.RECEIVED.value: "received, not yet taken in hand",
    Status.IN_PROGRESS.value: "in progress",
    Status.APPEALED.value: "answered, then appealed; the appeal awaits an answer",
    Status.ANSWERED.value: "answered; the citizen may still appeal",
    Status.CLOSED.value: "closed",
}


class BadRequest(Exception):
    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


def _error(code: int, description: str) -> tuple[Response, int]:
    return jsonify([{"code": code, "description": description}]), code


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


@bp.get("/services.json")
def services() -> Response:
    return jsonify([{
        "service_code": code, "service_name": english, "description": about,
        "metadata": False, "type": "batch", "keywords": f"{swahili.lower()},{code}",
        "group": "feedback"} for code, (english, swahili, about) in SERVICES.items()])


def _parse_time(name: str) -> datetime | None:
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00").replace(" ", "+"))
    except ValueError:
        raise BadRequest(f"{name} must be an ISO 8601 date-time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=EAT)


def _parse_int(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise BadRequest(f"{name} must be a whole number from {low} to {high}")
    return int(raw)


def _codes(name: str, allowed: set[str]) -> list[str]:
    values = [v.strip() for v in request.args.get(name, "").split(",") if v.strip()]
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise BadRequest(f"unknown {name}: {', '.join(unknown)}; "
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
    refs = [r.strip() for r in raw.split(",") if r.strip()][:100]
    return public_feedback().where(Feedback.reference.in_(refs))


@bp.get("/requests.json")
def requests() -> Response | tuple[Response, int]:
    """Newest first; ``page`` (from 1) and ``page_size`` (at most 1000) page the list."""
    try:
        if request.args.get("service_request_id"):
            query = _by_ids(request.args["service_request_id"])  # GeoReport: other filters ignored
        else:
            query = _filtered(public_feedback())
        size = _parse_int("page_size", current_app.config["OPEN311_PAGE_SIZE"], 1, 1000)
        page = _parse_int("page", 1, 1, 1_000_000)
    except BadRequest as exc:
        return _error(400, exc.description)
    rows = read_session().scalars(query.order_by(Feedback.created_at.desc(), Feedback.id.desc())
                             .limit(size).offset((page - 1) * size)).unique()
    return jsonify([serialise(f) for f in rows])


@bp.get("/requests/<reference>.json")
def one_request(reference: str) -> Response | tuple[Response, int]:
    """A list of one, as GeoReport returns it; a mistyped, private or unknown one is 404."""
    try:
        ref = parse_reference(reference)
    except InvalidReference:
        return _error(404, "no such service request")
    feedback = read_session().scalars(public_feedback().where(Feedback.reference == ref)).first()
    if feedback is None:
        return _error(404, "no such service request")
    return jsonify([serialise(feedback)])


@bp.after_request
def _public_headers(response: Response) -> Response:
    """Anyone may read it, from any page: it holds nothing private."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers.setdefault("Cache-Control", "public, max-age=60")
    return response


def init_app(app: Flask) -> None:
    app.config.setdefault("OPEN311_PAGE_SIZE", 100)
    app.register_blueprint(bp)
