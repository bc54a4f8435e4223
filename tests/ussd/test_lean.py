"""The lean WSGI hop answers exactly as the Flask view does, and takes only what it can read.

Each case is posted twice, once through the app (the lean handler in front) and once
straight to the Flask app behind it, with its own session id, so both start alike.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from flask import Flask
from werkzeug.test import Client

from ussd.lean import LeanUssd

_ids = itertools.count(1)
FORM = "application/x-www-form-urlencoded"


def _lean(app: Flask) -> LeanUssd:
    lean = app.wsgi_app
    assert isinstance(lean, LeanUssd), "the lean handler is not mounted in front of Flask"
    return lean


def _both(app: Flask, body: bytes, query: str = "",
          content_type: str = FORM) -> tuple[Any, Any]:
    lean = _lean(app)
    answers = []
    for wsgi in (lean, lean.inner):
        sid = f"lean-{next(_ids)}".encode()
        answers.append(Client(wsgi).post("/ussd/africastalking" + query,
                                         data=body.replace(b"SID", sid),
                                         content_type=content_type))
    return answers[0], answers[1]


def _same(a: Any, b: Any) -> None:
    assert (a.status_code, a.get_data()) == (b.status_code, b.get_data())
    names = ("Content-Type", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options",
             "Cross-Origin-Opener-Policy", "Strict-Transport-Security")
    assert [a.headers.get(n) for n in names] == [b.headers.get(n) for n in names]


HOP = b"serviceCode=%2A152%2A00%23&phoneNumber=%2B255712345678&networkCode=63902"


@pytest.mark.parametrize("body", [
    b"sessionId=SID&" + HOP + b"&text=",
    b"sessionId=SID&" + HOP + b"&text=9%2A2",                       # a dial-through
    b"sessionId=SID&" + HOP.replace(b"%2A152%2A00%23", b"%2A152%2A00%2A9%2A2%23") + b"&text=",
    b"sessionId=SID&sessionId=other&" + HOP + b"&text=9",           # first value wins
    b"sessionId=SID&" + HOP + b"&text=hello+world",                 # text we never offered
    HOP + b"&text=",                                                # missing sessionId: 400
    b"sessionId=SID&phoneNumber=&text=",                            # missing phoneNumber: 400
    b"sessionId=SID&" + HOP + b"&text=%FF%FE",                      # not UTF-8 once decoded
    b"sessionId=SID&" + HOP + b"&text=\xff",                        # not UTF-8 at all: 400
    b"sessionId=SID&" + HOP + b"&text=" + b"1" * 4001,              # too long: 400
    b"",
])
def test_the_lean_hop_answers_as_the_flask_view(app: Flask, body: bytes) -> None:
    lean, flask = _both(app, body)
    assert lean.status_code != 500
    _same(lean, flask)


@pytest.mark.parametrize("query, status", [
    ("", 403), ("?token=wrong", 403), ("?token=s3cret", 200), ("?token=s3cret&token=x", 200),
    ("?token=x&token=s3cret", 403),
])
def test_the_lean_hop_checks_the_token_as_the_view_does(
        app: Flask, monkeypatch: pytest.MonkeyPatch, query: str, status: int) -> None:
    monkeypatch.setitem(app.config, "CALLBACK_TOKEN", "s3cret")
    lean, flask = _both(app, b"sessionId=SID&" + HOP + b"&text=", query)
    assert lean.status_code == status
    _same(lean, flask)


def test_https_gets_the_same_hsts_header(app: Flask) -> None:
    lean = _lean(app)
    answers = [Client(wsgi).post("/ussd/africastalking", base_url="https://localhost/",
                                 data={"sessionId": f"lean-{next(_ids)}", "text": "",
                                       "phoneNumber": "+255712345678"})
               for wsgi in (lean, lean.inner)]
    assert answers[0].headers["Strict-Transport-Security"]
    _same(*answers)


def test_what_the_lean_hop_does_not_take_goes_to_flask(app: Flask) -> None:
    """A multipart body, a GET, a trailing slash: Flask's view (or its 404/405) answers."""
    lean = Client(_lean(app))
    multipart = lean.post("/ussd/africastalking", data={
        "sessionId": "lean-mp", "phoneNumber": "+255712345678", "text": ""},
        content_type="multipart/form-data")
    assert multipart.status_code == 200 and multipart.get_data(as_text=True).startswith("CON ")
    assert lean.get("/ussd/africastalking").status_code == 405
    assert lean.post("/ussd/africastalking/", data=b"sessionId=x",
                     content_type=FORM).status_code == 404
