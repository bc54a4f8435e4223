"""The Africa's Talking USSD callback as a bare WSGI handler, mounted before Flask.

Why: hops are most of the gateway's traffic, and Flask's request machinery —
the request and response objects, URL routing, the before/after hooks, the
request context — cost more CPU per hop than the hop's own work (menus, the
session codec and two Redis round trips). This handler does for
``POST /ussd/africastalking`` exactly what the Flask view and the app's hooks
do: the token check, the form (parsed as Werkzeug parses it), one
:meth:`ussd.hop.Answerer.answer`, the security headers. Everything else — and
any callback it cannot read as cheaply, such as a multipart body — goes to
Flask unchanged, whose view stays the reference behaviour.

It shares the app: its config (read per request, as the view does), its Redis
pool and menu snapshot. A hop that needs the database (an effect) runs inside
an app context, so the session, its teardown and the SMS dispatch are the
Flask ones; a navigation hop pushes none.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl, unquote_to_bytes

import werkzeug.urls  # noqa: F401 - registers the "werkzeug.url_quote" codec error handler
from flask import Flask
from flask.ctx import AppContext
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from infra import db, security
from infra.edge import TOKEN_REFUSED, Malformed, clean, token_ok
from infra.logging import LEAN_REQUEST_ID, REQUEST_ID
from infra.metrics import observe_hop
from menus.machine import apology
from ussd import africastalking
from ussd.hop import Hop
from ussd.views import answerer_for

log = logging.getLogger(__name__)

PATH = "/ussd/africastalking"
FORM = "application/x-www-form-urlencoded"
MAX_BODY = 64 * 1024  # a hop is a few hundred bytes; anything larger is Flask's to judge
TEXT = [("Content-Type", "text/plain; charset=utf-8")]
StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class LeanUssd:
    """WSGI middleware: answers Africa's Talking hops itself, passes the rest to ``inner``."""

    def __init__(self, app: Flask, inner: WSGIApp) -> None:
        self.app, self.inner = app, inner

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        length = self._length(environ)
        if length is None:
            return self.inner(environ, start_response)
        given = environ.get("HTTP_X_REQUEST_ID", "")
        rid = given if REQUEST_ID.fullmatch(given) else uuid.uuid4().hex  # as infra.logging's
        started, marked = time.perf_counter(), LEAN_REQUEST_ID.set(rid)
        try:
            status, body = self._respond(environ, environ["wsgi.input"].read(length))
        finally:
            LEAN_REQUEST_ID.reset(marked)
        if status.startswith("200"):
            observe_hop(time.perf_counter() - started, body.decode(), self.app)
        headers = TEXT + [("Content-Length", str(len(body))), ("X-Request-ID", rid)]
        headers += security.header_items(environ.get("wsgi.url_scheme") == "https")
        start_response(status, headers)
        return [body]

    @staticmethod
    def _length(environ: dict[str, Any]) -> int | None:
        """The body's length when this handler takes the request, else None (Flask's)."""
        if (environ.get("PATH_INFO") != PATH or environ.get("REQUEST_METHOD") != "POST"
                or environ.get("CONTENT_TYPE", "").partition(";")[0].strip().lower() != FORM):
            return None
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return None
        return length if 0 <= length <= MAX_BODY else None

    def _respond(self, environ: dict[str, Any], raw: bytes) -> tuple[str, bytes]:
        config = self.app.config
        if not token_ok(config.get("CALLBACK_TOKEN"), _first(_query(environ), "token")):
            return "403 FORBIDDEN", TOKEN_REFUSED.encode()
        try:
            hop = africastalking.parse_hop(_form(raw), config["USSD_SERVICE_CODE"])
        except Malformed as exc:
            return "400 BAD REQUEST", f"{exc}\n".encode()
        return "200 OK", self._answer(hop).encode()

    def _answer(self, hop: Hop) -> str:
        context: list[AppContext] = []

        def session() -> Session:
            if not context:  # an effect: the Flask app context, its session and teardown
                context.append(self.app.app_context())
                context[0].push()
            return db.session()

        try:
            return answerer_for(self.app, session).answer(hop)
        except SQLAlchemyError:  # the directory could not be loaded: the database is down
            log.exception("USSD: cannot load the directory")
        except Exception:  # never a 500 to the aggregator
            log.exception("USSD hop %s failed", hop.session_id)
        finally:
            if context:
                context[0].pop()
        return apology("sw").body


def _form(raw: bytes) -> dict[str, str]:
    """The form as Werkzeug reads it (``parse_qsl``), first value of each name kept.

    Split by hand: most fields need no unquoting, and ``parse_qsl`` unquotes every
    one. Bad UTF-8 gives an empty form, as in Werkzeug.
    """
    try:
        text = raw.decode()
    except UnicodeDecodeError:
        return {}
    form: dict[str, str] = {}
    for pair in text.split("&"):
        if not pair:
            continue
        name, _, value = pair.partition("=")
        name = clean(_unquote(name))
        if name not in form:
            form[name] = clean(_unquote(value))  # the edge's rule, as Flask's views get it
    return form


def _unquote(part: str) -> str:
    if "%" not in part and "+" not in part:
        return part
    # As unquote(..., errors=...) decodes, in one pass: a third of its time here.
    return unquote_to_bytes(part.replace("+", " ")).decode(errors="werkzeug.url_quote")


def _query(environ: dict[str, Any]) -> list[tuple[str, str]]:
    qs = environ.get("QUERY_STRING", "").encode("latin-1").decode(errors="replace")
    return [(clean(k), clean(v)) for k, v in parse_qsl(qs, keep_blank_values=True)]


def _first(items: list[tuple[str, str]], name: str) -> str:
    return next((v for k, v in items if k == name), "")


def mount(app: Flask) -> None:
    """Put the handler in front of the Flask app (before ProxyFix wraps both)."""
    app.wsgi_app = LeanUssd(app, app.wsgi_app)  # type: ignore[method-assign]
