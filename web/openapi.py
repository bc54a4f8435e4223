"""``GET /openapi.json``: an OpenAPI 3.1 description of every HTTP surface an outsider calls.

The aggregators' callbacks (Africa's Talking USSD, its end-of-session notices,
inbound SMS and delivery reports; Beem USSD), the Open311 GeoReport v2 API in
both formats, and the load balancer's health checks. The admin, the simulator
and ``/metrics`` are not for outsiders and are left out. A test
(``tests/web/test_openapi.py``) holds it in step with the routes both ways, and
schemathesis fuzzes the running app from it. The document is built once per
process from the same tables the views use (``SERVICES``, the formats), so a
service code cannot be added to one and forgotten in the other.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, jsonify

from open311.views import SERVICES
from open311.wire import FORMATS, MIMETYPES

PLAIN = "text/plain"
FORM = "application/x-www-form-urlencoded"
NULLABLE: dict[str, Any] = {"type": ["string", "null"]}
TOKEN = {"name": "token", "in": "query", "required": False, "schema": {"type": "string"},
         "description": "the shared secret (MREJESHO_CALLBACK_TOKEN), when one is set"}
JURISDICTION = {"name": "jurisdiction_id", "in": "query", "required": False,
                "schema": {"type": "string"},
                "description": "optional: the one jurisdiction served (see discovery)"}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _text(description: str, pattern: str | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    if pattern:
        schema["pattern"] = pattern
    return {"description": description, "content": {PLAIN: {"schema": schema}}}


def _form(required: list[str], **fields: str) -> dict[str, Any]:
    return {"required": True, "content": {FORM: {"schema": {
        "type": "object", "required": required,
        "properties": {name: {"type": "string", "description": about}
                       for name, about in fields.items()}}}}}


def _callback(summary: str, body: dict[str, Any], ok: dict[str, Any],
              **more: dict[str, Any]) -> dict[str, Any]:
    return {"post": {"summary": summary, "parameters": [TOKEN], "requestBody": body,
                     "responses": {"200": ok, **more,
                                   "400": _text("malformed: a one-line reason"),
                                   "403": _text("wrong or missing token")}}}


def _callbacks() -> dict[str, Any]:
    """The aggregators' callbacks: what they post, what they read back."""
    return {
        "/ussd/africastalking": _callback(
            "Africa's Talking USSD hop",
            _form(["sessionId", "phoneNumber"], sessionId="the aggregator's session id",
                  serviceCode="the code dialled", phoneNumber="the caller, E.164",
                  networkCode="the operator", text="every input of the session, joined by *"),
            _text("the screen: CON (continue) or END (finish), then at most 156 characters",
                  "^(CON|END) ")),
        "/ussd/africastalking/events": _callback(
            "Africa's Talking end-of-session notice",
            _form(["sessionId", "phoneNumber", "status"], sessionId="the session that ended",
                  phoneNumber="the caller", status="Success, Incomplete or Failed",
                  input="the last input", hopsCount="hops", durationInMillis="duration",
                  errorMessage="the aggregator's reason", networkCode="the operator"),
            _text("recorded")),
        "/ussd/beem": _callback(
            "Beem Africa USSD hop",
            {"required": True, "content": {"application/json": {"schema": _ref("BeemHop")}}},
            {"description": "the screen, in Beem's envelope",
             "content": {"application/json": {"schema": _ref("BeemReply")}}}),
        "/sms/africastalking/inbound": _callback(
            "Africa's Talking inbound SMS (stored once per id, then handled)",
            _form(["id", "from", "text"], id="the aggregator's message id",
                  to="the short code", text="the message", date="when it was received",
                  linkId="premium SMS link id", networkCode="the operator", **{
                      "from": "the sender, E.164"}),
            _text("stored"), **{"503": _text("database unavailable: retry later")}),
        "/sms/africastalking/delivery": _callback(
            "Africa's Talking delivery report of an SMS we sent",
            _form(["id", "status"], id="the message id Africa's Talking gave our SMS",
                  status="Success, Sent, Buffered, Failed, Rejected ...",
                  phoneNumber="the recipient", networkCode="the operator",
                  failureReason="why it failed", retryCount="attempts so far"),
            _text("recorded")),
    }


def _health() -> dict[str, Any]:
    def check(summary: str, schema: str, *codes: str) -> dict[str, Any]:
        return {"get": {"summary": summary, "responses": {code: {
            "description": "ready" if code == "200" else "the database or Redis is down",
            "content": {"application/json": {"schema": _ref(schema)}}} for code in codes}}}

    return {"/healthz": check("liveness", "Health", "200"),
            "/readyz": check("readiness: the database and Redis answer", "Ready", "200", "503"),
            "/openapi.json": {"get": {"summary": "this document", "responses": {"200": {
                "description": "OpenAPI 3.1",
                "content": {"application/json": {"schema": {"type": "object"}}}}}}}}


def _answers(fmt: str, schema: str, codes: dict[str, str]) -> dict[str, Any]:
    """Responses in ``fmt``: the JSON schema for JSON; XML is GeoReport's, as a string."""
    def body(name: str) -> dict[str, Any]:
        if fmt == "json":
            return {MIMETYPES["json"]: {"schema": _ref(name)}}
        return {MIMETYPES["xml"]: {"schema": {"type": "string"}}}

    return {code: {"description": about, "content": body(schema if code[0] == "2" else "Errors")}
            for code, about in codes.items()}


def _query(name: str, about: str, **schema: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": about,
            "schema": {"type": "string", **schema}}


def _path(name: str, about: str, **schema: Any) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "description": about,
            "schema": {"type": "string", **schema}}


REQUEST_FILTERS = [
    _query("service_request_id", "comma-separated references; other filters are then ignored"),
    _query("service_code", "comma-separated kinds"),
    _query("start_date", "W3C date-time; without dates, the last 90 days", format="date-time"),
    _query("end_date", "W3C date-time", format="date-time"),
    _query("status", "open, closed, or both comma-separated"),
    _query("page", "from 1", pattern="^[0-9]+$"),
    _query("page_size", "1 to 1000", pattern="^[0-9]+$"),
]


def _post_body() -> dict[str, Any]:
    fields = {
        "api_key": "the partner's key (flask partners create NAME)",
        "service_code": "the kind", "description": "the citizen's words (3 to 2000 characters)",
        "phone": "the citizen's number: the reference SMS goes there",
        "first_name": "optional", "last_name": "optional",
        "agency_responsible": "an institution code (or attribute[institution])",
        "attribute[institution]": "an institution code from the service definition",
        "attribute[anonymous]": "true: no officer sees the number or the name",
        "attribute[language]": "sw or en: the language of the citizen's SMS",
        "jurisdiction_id": "optional",
        "email": "accepted, not stored", "device_id": "accepted, not stored",
        "account_id": "accepted, not stored", "lat": "accepted, not stored",
        "long": "accepted, not stored", "address_string": "accepted, not stored",
        "address_id": "accepted, not stored", "media_url": "accepted, not stored"}
    body = _form(["api_key", "service_code", "description"], **fields)
    body["content"][FORM]["schema"]["properties"]["service_code"]["enum"] = list(SERVICES)
    return body


def _open311(fmt: str) -> dict[str, Any]:
    base, ext = "/open311/v2", f".{fmt}"
    errors = {"400": "a bad parameter, with the reason", "404": "unknown, or not public"}
    return {
        f"/open311/discovery{ext}": {"get": {
            "summary": "GeoReport service discovery", "parameters": [JURISDICTION],
            "responses": _answers(fmt, "Discovery", {"200": "where the API is",
                                                     "404": "unknown jurisdiction_id"})}},
        f"{base}/services{ext}": {"get": {
            "summary": "the services: one per kind of feedback", "parameters": [JURISDICTION],
            "responses": _answers(fmt, "Services", {"200": "the services",
                                                    "404": "unknown jurisdiction_id"})}},
        f"{base}/services/{{service_code}}{ext}": {"get": {
            "summary": "a service definition: the attributes a POST may carry",
            "parameters": [_path("service_code", "a kind"), JURISDICTION],
            "responses": _answers(fmt, "ServiceDefinition", {"200": "the definition",
                                                             **errors})}},
        f"{base}/requests{ext}": {
            "get": {"summary": "public feedback, newest first",
                    "parameters": [*REQUEST_FILTERS, JURISDICTION],
                    "responses": _answers(fmt, "ServiceRequests", {"200": "the page", **errors})},
            "post": {"summary": "a partner files feedback", "requestBody": _post_body(),
                     "responses": _answers(fmt, "Created", {
                         "201": "filed: the reference is the service_request_id",
                         "400": "refused, with the reason", "403": "bad api_key, or refused",
                         "404": "unknown jurisdiction_id",
                         "429": "the key's or the number's limit: wait"})}},
        f"{base}/requests/{{service_request_id}}{ext}": {"get": {
            "summary": "one public feedback, as a list of one",
            "parameters": [_path("service_request_id", "a reference"), JURISDICTION],
            "responses": _answers(fmt, "ServiceRequests", {"200": "the request", **errors})}},
    }


def _object(needed: list[str], **properties: Any) -> dict[str, Any]:
    return {"type": "object", "required": needed, "properties": properties}


def _schemas() -> dict[str, Any]:
    string: dict[str, Any] = {"type": "string"}
    boolean: dict[str, Any] = {"type": "boolean"}
    when: dict[str, Any] = {"type": ["string", "null"], "format": "date-time"}
    request_fields: dict[str, Any] = {name: NULLABLE for name in (
        "description", "service_notice", "address", "address_id", "zipcode", "lat", "long",
        "media_url")}
    request_fields.update(
        service_request_id=string, status={"enum": ["open", "closed"]}, status_notes=string,
        service_name=string, service_code={"enum": list(SERVICES)}, agency_responsible=string,
        requested_datetime=when, updated_datetime=when, expected_datetime=when)
    value = _object(["key", "name"], key=string, name=string)
    attribute = _object(
        ["variable", "code", "datatype", "required", "order", "description", "values"],
        variable=boolean, code=string, datatype=string, required=boolean,
        datatype_description=NULLABLE, order={"type": "integer"}, description=string,
        values={"type": "array", "items": value})
    endpoint = _object(["specification", "url", "changeset", "type", "formats"],
                       specification=string, url=string, changeset=string, type=string,
                       formats={"type": "array", "items": string})
    any_value: dict[str, Any] = {}
    return {
        "Errors": {"type": "array", "minItems": 1, "items": _object(
            ["code", "description"], code={"type": "integer"}, description=string)},
        "Services": {"type": "array", "items": _object(
            ["service_code", "service_name", "description", "metadata", "type", "keywords",
             "group"], service_code={"enum": list(SERVICES)}, service_name=string,
            description=string, metadata=boolean, type={"enum": ["realtime", "batch",
                                                                  "blackbox"]},
            keywords=string, group=string)},
        "ServiceDefinition": _object(["service_code", "attributes"], service_code=string,
                                     attributes={"type": "array", "items": attribute}),
        "ServiceRequests": {"type": "array", "items": {
            **_object(sorted(request_fields), **request_fields),
            "additionalProperties": False}},
        "Created": {"type": "array", "minItems": 1, "maxItems": 1, "items": _object(
            ["service_request_id", "service_notice", "account_id"],
            service_request_id={"type": "string", "pattern": "^[0-9]{10}$"},
            service_notice=string, account_id=NULLABLE)},
        "Discovery": _object(["changeset", "contact", "key_service", "endpoints"],
                             changeset=string, contact=string, key_service=string,
                             endpoints={"type": "array", "items": endpoint}),
        "Health": _object(["status"], status={"const": "ok"}),
        "Ready": _object(["status", "database", "redis"],
                         status={"enum": ["ready", "unavailable"]},
                         database={"enum": ["ok", "unavailable"]},
                         redis={"enum": ["ok", "unavailable"]}),
        "BeemHop": _object(
            ["command", "msisdn", "session_id", "payload"],
            command={"enum": ["initiate", "continue", "terminate"]},
            msisdn=string, session_id=string, operator=string,
            payload=_object(["request_id"], request_id=string, response=string)),
        "BeemReply": _object(  # msisdn, operator and session_id are echoed as they came
            ["msisdn", "operator", "session_id", "command", "payload"],
            msisdn=any_value, operator=any_value, session_id=any_value,
            command={"enum": ["continue", "terminate"]},
            payload=_object(["request_id", "request"], request_id=any_value,
                            request=string)),
    }


def document() -> dict[str, Any]:
    paths = {**_callbacks(), **_health()}
    for fmt in FORMATS:
        paths.update(_open311(fmt))
    return {
        "openapi": "3.1.0",
        "info": {"title": "Mrejesho: the surfaces outsiders call", "version": "1",
                 "description": "USSD and SMS aggregators' callbacks, Open311 GeoReport v2 "
                                "(XML and JSON), health. Bad input is a 4xx with a one-line "
                                "reason, never a 5xx (a 503 means: retry later)."},
        "paths": paths,
        "components": {"schemas": _schemas()},
    }


def openapi() -> Response:
    return jsonify(current_app.extensions["openapi"])


def init_app(app: Flask) -> None:
    app.extensions["openapi"] = document()
    app.add_url_rule("/openapi.json", "openapi", openapi)
