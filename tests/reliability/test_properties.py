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

from core.models import Feedback, InboundMessage
from tests.reliability.conftest import endpoint_or_skip
from tests.reliability.phone import SUBMIT, Phone

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=300)
FORM_NAMES = ["sessionId", "serviceCode", "phoneNumber", "networkCode", "text", "status",
              "from", "to", "date", "id", "linkId", "failureReason", "retryCount", "input"]
FORMS = st.dictionaries(st.sampled_from(FORM_NAMES) | TEXT, TEXT | st.text(max_size=5000,
                        alphabet="0123456789*#+ "), max_size=10)
RAW = st.binary(max_size=3000)
FORM_ENDPOINTS = ["/ussd/africastalking", "/ussd/africastalking/events",
                  "/sms/africastalking/inbound", "/sms/africastalking/delivery"]
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
                    | TEXT, lambda inner: st.lists(inner, max_size=4)
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
    endpoint_or_skip(app, path)

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
    endpoint_or_skip(app, path)

    @settings(SETTINGS, max_examples=25)
    @given(raw=RAW)
    def check(raw: bytes) -> None:
        sane(client.post(path, data=raw, content_type=ctype), path)

    check()


def test_any_json_at_beem(app, client) -> None:
    endpoint_or_skip(app, "/ussd/beem")

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
    endpoint_or_skip(app, path)
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
    endpoint_or_skip(app, "/ussd/africastalking")
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
