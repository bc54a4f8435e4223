"""Any bytes, any length, any encoding at every callback: 200/400/403 with a sane body.

Never a 500 and never a traceback; what a citizen typed is stored as it arrived
(up to the domain's whitespace rule).
"""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from werkzeug.routing import BuildError

from core.models import Feedback, InboundMessage
from tests.reliability.conftest import assert_mounted
from tests.reliability.phone import SUBMIT, Phone

# Bad input that broke something once: NUL, non-ASCII digits (isdigit() is True, ASCII
# parsing is not), the first and last dates, numbers past any column, deep JSON.
NASTY = st.sampled_from([
    "\x00", "a\x00b", "+255712\x00345678", "²", "٣٤", "１２３", "߁", "9999-12-31",
    "0001-01-01", "9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00", "1e309",
    "1.99999999999999999999999", "99999999999999999999.1", "-1", "nan", "%00", "",
    " ", "\r\n", "' OR 1=1 --", "<script>", "\u202e", "\ufeff", "*152*00*9*2#" * 40,
])
DIGITS = st.text(st.characters(categories=["Nd"]), min_size=1, max_size=24)
DEEP = st.integers(1, 210_000).flatmap(lambda n: st.sampled_from(
    ["[" * n, "[" * n + "]" * n, '{"a":' * n + "1" + "}" * n]))
SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=300)
FORM_NAMES = ["sessionId", "serviceCode", "phoneNumber", "networkCode", "text", "status",
              "from", "to", "date", "id", "linkId", "failureReason", "retryCount", "input"]
VALUES = TEXT | NASTY | DIGITS | st.text(max_size=5000, alphabet="0123456789*#+ ")
FORMS = st.dictionaries(st.sampled_from(FORM_NAMES) | TEXT, VALUES, max_size=10)
RAW = st.binary(max_size=3000) | DEEP.map(str.encode)
FORM_ENDPOINTS = ["/ussd/africastalking", "/ussd/africastalking/events",
                  "/sms/africastalking/inbound", "/sms/africastalking/delivery"]
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
                    | TEXT | NASTY | DIGITS, lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(TEXT, inner, max_size=4), max_leaves=12)
BEEM = st.fixed_dictionaries({
    "command": st.sampled_from(["initiate", "continue", "terminate"]) | TEXT,
    "msisdn": st.sampled_from(["255712345678", "+255712345678"]) | TEXT | st.integers(),
    "session_id": TEXT | st.integers(), "operator": TEXT,
    "payload": st.fixed_dictionaries({"request_id": TEXT | st.integers(),
                                      "response": TEXT | JSON}) | JSON})


def sane(resp, path: str) -> None:
    body = resp.get_data(as_text=True)
    assert resp.status_code in (200, 400, 403), (path, resp.status_code, body[:300])
    assert "Traceback" not in body and "<!doctype html" not in body.lower()[:20]
    if resp.status_code == 400:
        assert body.strip() and len(body) < 300 and body.count("\n") <= 1, body
    if resp.status_code == 200 and path == "/ussd/africastalking":
        assert body.startswith(("CON ", "END ")) and len(body) <= 160, body


@pytest.mark.parametrize("path", FORM_ENDPOINTS)
def test_any_form_at_a_form_callback(app, client, path) -> None:
    assert_mounted(app, path)

    @SETTINGS
    @given(form=FORMS)
    def check(form: dict[str, str]) -> None:
        sane(client.post(path, data=form), path)

    check()


@pytest.mark.parametrize("path", FORM_ENDPOINTS + ["/ussd/beem"])
@pytest.mark.parametrize("ctype", ["application/x-www-form-urlencoded", "application/json",
                                   "multipart/form-data; boundary=x", "text/plain; charset=utf-7",
                                   "application/x-www-form-urlencoded; charset=latin-1"])
def test_any_bytes_at_every_callback(app, client, path, ctype) -> None:
    assert_mounted(app, path)

    @settings(SETTINGS, max_examples=25)
    @given(raw=RAW)
    def check(raw: bytes) -> None:
        sane(client.post(path, data=raw, content_type=ctype), path)

    check()


def test_any_json_at_beem(app, client) -> None:
    assert_mounted(app, "/ussd/beem")

    @SETTINGS
    @given(body=BEEM | JSON)
    def check(body) -> None:
        resp = client.post("/ussd/beem", data=json.dumps(body),
                           content_type="application/json")
        sane(resp, "/ussd/beem")
        if resp.status_code == 200:
            assert resp.json["command"] in ("continue", "terminate")

    check()


@pytest.mark.parametrize("path", FORM_ENDPOINTS + ["/ussd/beem"])
def test_a_wrong_or_missing_token_is_refused_and_changes_nothing(app, client, path) -> None:
    assert_mounted(app, path)
    app.config["CALLBACK_TOKEN"] = "s3cret-token"
    try:
        form = {"sessionId": "tok", "phoneNumber": "+255712345678", "text": "",
                "from": "+255712345678", "text2": "x", "id": "ATX-tok", "status": "Success"}
        for query in ("", "?token=wrong", "?token=", "?token=s3cret-token2"):
            resp = client.post(path + query, data=form)
            assert resp.status_code == 403, (path, query, resp.status_code)
        with app.extensions["db"].sessionmaker() as s:   # a refused callback changed nothing
            assert s.scalar(select(InboundMessage)
                            .where(InboundMessage.provider_id == "ATX-tok")) is None
        good = client.post(path + "?token=s3cret-token", data=form)
        assert good.status_code in (200, 400)
    finally:
        app.config["CALLBACK_TOKEN"] = None


DESCRIPTIONS = st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=3,
                       max_size=150).filter(lambda s: len(" ".join(s.split())) >= 3)


def test_what_a_citizen_types_is_stored_as_it_arrived(app) -> None:
    assert_mounted(app, "/ussd/africastalking")
    numbers = iter(range(10_000, 99_999))

    @settings(SETTINGS, max_examples=30)
    @given(description=DESCRIPTIONS)
    def check(description: str) -> None:
        phone = Phone(app.test_client(), number=f"+2557123{next(numbers):05d}")
        phone.dial()
        for value in SUBMIT[:4]:
            phone.send(value)
        body = phone.send(description)
        if not body.startswith("CON "):
            return
        for value in ["1", "2", "1"]:
            body = phone.send(value)
        ref = re.search(r"\d{10}", body)
        assert ref, body
        with app.extensions["db"].sessionmaker() as s:
            stored = s.scalar(select(Feedback.description)
                              .where(Feedback.reference == ref.group(0)))
        assert stored == " ".join(description.split())

    check()


OPEN311 = "/open311"  # its bad-input properties live with the Open311 tests


def _other_rules(app) -> list:
    return [r for r in app.url_map.iter_rules()
            if not r.rule.startswith(("/admin", OPEN311)) and "static" not in r.endpoint
            and not r.arguments]


def test_any_query_and_form_at_every_endpoint(app, client) -> None:
    """Callbacks, health, simulator: any query string and any form, by every method."""
    rules = _other_rules(app)

    @SETTINGS
    @given(rule=st.sampled_from(rules), query=FORMS, form=FORMS)
    def check(rule, query, form) -> None:
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            resp = client.open(rule.rule, method=method, query_string=query,
                               data=form if method == "POST" else None)
            if resp.mimetype == "text/html":  # a page (the simulator, /), not a callback
                allowed = (200, 302, 400, 404) if rule.rule == "/" else (200, 400, 404)
                assert resp.status_code in allowed, (rule.rule, resp.status_code)
                assert b"Traceback" not in resp.data
            else:
                sane(resp, rule.rule)

    check()


ADMIN_NAMES = ["status", "kind", "channel", "institution", "since", "until", "overdue", "q",
               "after", "template", "to", "note", "reason", "text", "title", "description",
               "phone", "name", "anonymous", "language", "email", "password", "csrf_token"]
ADMIN_FIELDS = st.dictionaries(st.sampled_from(ADMIN_NAMES) | TEXT, VALUES, max_size=8)
ADMIN_OK = (200, 302, 303, 400, 403, 404, 409)


def admin_sane(resp, path: str) -> None:
    binary = resp.mimetype.startswith("application/vnd.")  # the XLSX export
    body = "" if binary else resp.get_data(as_text=True)
    assert resp.status_code in ADMIN_OK, (path, resp.status_code, body[:300])
    assert "Traceback" not in body
    if resp.status_code == 400 and resp.mimetype != "text/html":
        assert body.strip() and body.count("\n") <= 1, body


def _csrf(client, path: str = "/admin/walk-in") -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get(path).get_data(
        as_text=True))
    assert found, path
    return found.group(1)


def _one_segment(value: str) -> bool:
    """A value that stays one path segment (an empty one, '/' or '..' makes another URL)."""
    return bool(value.strip()) and "/" not in value and value.strip() not in (".", "..")


def test_any_parameter_and_field_at_every_admin_page(app, make_officer, make_feedback) -> None:
    from tests.reliability.test_admin_security import login

    client = app.test_client()
    login(client, make_officer("TRA", "admin"))
    real = make_feedback().reference
    token = _csrf(client)
    adapter = app.url_map.bind("localhost")
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/admin")
             and r.endpoint not in ("admin.static", "admin.login", "admin.logout")]

    @SETTINGS
    @given(rule=st.sampled_from(rules), query=ADMIN_FIELDS, form=ADMIN_FIELDS,
           ref=st.just(real) | (NASTY | DIGITS | TEXT).filter(_one_segment))
    def check(rule, query, form, ref) -> None:
        try:  # every argument of the rule gets the generated value, where it can go
            path = adapter.build(rule.endpoint, {arg: ref for arg in rule.arguments})
        except (BuildError, ValueError):  # an int converter: a number it accepts
            path = adapter.build(rule.endpoint, {arg: 1 for arg in rule.arguments})
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            data = {**form, "csrf_token": token} if method == "POST" else None
            admin_sane(client.open(path, method=method, query_string=query, data=data), path)

    check()


def test_any_login_form(app, client, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "100000 per minute")
    token = _csrf(client, "/admin/login")

    @SETTINGS
    @given(form=ADMIN_FIELDS)
    def check(form) -> None:
        resp = client.post("/admin/login", data={**form, "csrf_token": token})
        assert resp.status_code in (200, 303, 400, 429), (resp.status_code, resp.data[:300])
        assert b"Traceback" not in resp.data

    check()


def test_deep_json_at_beem(app, client) -> None:
    assert_mounted(app, "/ussd/beem")

    @settings(SETTINGS, max_examples=20)
    @given(body=DEEP)
    def check(body: str) -> None:
        resp = client.post("/ussd/beem", data=body, content_type="application/json")
        assert resp.status_code == 400, resp.status_code
        sane(resp, "/ussd/beem")

    check()
