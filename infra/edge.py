"""The edge: every string a view reads is clean, and input we cannot read is a 400.

Why one layer and not a check per field: a field added later is covered too,
and no view can forget. Three rules hold for every request:

- Query and form values lose NUL characters before any view sees them
  (``CleanRequest.parameter_storage_class``). No one types a NUL; PostgreSQL's
  text cannot hold one, and a NUL reaching a query turned a search, a login or
  an inbound SMS into a 500 or a 503 the aggregator retries forever. A view
  that must keep what arrived byte for byte (the inbound SMS) reads the body.
- JSON bodies are parsed with a depth limit and cleaned the same way
  (``EdgeJSONProvider``): 200,000 ``[`` raised a RecursionError.
- What still cannot be read (a ValueError, an overflow, a value the database
  refuses) answers 400 with a one-line reason (``bad_input``), and any HTTP
  error answers one plain-text line, never a page or a traceback.

The aggregators' callbacks (USSD and SMS, every adapter) share the rest of their
edge here, since channels may not import each other: an adapter raises
:class:`Malformed` for a callback it cannot read (the blueprint answers
:func:`bad`), and :func:`check_callback_token` refuses a request without the
shared secret before any adapter reads it.
"""

from __future__ import annotations

import hmac
import json
import logging
import traceback
from collections.abc import Iterable
from typing import Any

from flask import Flask, Request, Response, abort, current_app, g, request
from flask.json.provider import DefaultJSONProvider
from sqlalchemy.exc import DataError, StatementError
from werkzeug.datastructures import ImmutableMultiDict, iter_multi_items
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)
MAX_JSON_DEPTH = 32
BAD_INPUT = (ValueError, OverflowError, RecursionError, DataError)
TOKEN_REFUSED = "wrong or missing token\n"


class Malformed(ValueError):
    """A callback we cannot read; the message is the one-line 400 reason."""


def bad(reason: str) -> Response:
    """The 400 an aggregator gets for a callback it sent wrong: the reason, one line."""
    return Response(reason + "\n", 400, mimetype="text/plain")


def token_ok(expected: object, given: str) -> bool:
    """Whether ``given`` is the callback token; any is, while none is configured.

    Compared in constant time: the token is all that stands between the internet
    and posting an SMS or a USSD hop as any number.
    """
    return not expected or hmac.compare_digest(given.encode(), str(expected).encode())


def check_callback_token() -> None:
    """``before_request`` of every aggregator blueprint: 403 unless ``?token=`` is right."""
    if not token_ok(current_app.config.get("CALLBACK_TOKEN"), request.args.get("token", "")):
        abort(Response(TOKEN_REFUSED, 403, mimetype="text/plain"))


def clean(value: str) -> str:
    """``value`` without NUL characters (the one character no text here may hold)."""
    return value.replace("\x00", "") if "\x00" in value else value


def _clean_pairs(mapping: Any) -> Iterable[tuple[Any, Any, bool]]:
    for key, value in iter_multi_items(mapping or ()):
        held = any(isinstance(x, str) and "\x00" in x for x in (key, value))
        yield (clean(key) if isinstance(key, str) else key,
               clean(value) if isinstance(value, str) else value, held)


class CleanMultiDict(ImmutableMultiDict[str, Any]):
    """Query and form values as werkzeug parses them, NUL removed from keys and values.

    ``nul_keys`` names the (cleaned) keys that lost a NUL, so a view that must refuse
    such a value rather than use it cleaned (Open311's machine callers) can tell.
    """

    nul_keys: frozenset[str] = frozenset()

    def __init__(self, mapping: Any = None) -> None:
        triples = list(_clean_pairs(mapping))
        super().__init__([(key, value) for key, value, _ in triples])
        self.nul_keys = frozenset(key for key, _, held in triples if held)


def nul_keys(values: Any) -> frozenset[str]:
    """The parameters of ``values`` (``request.args``, ``request.form``) that held a NUL."""
    keys: frozenset[str] = getattr(values, "nul_keys", frozenset())
    return keys


def held_nul(values: Any, name: str) -> bool:
    """Whether parameter ``name`` of ``values`` arrived with a NUL (and lost it here)."""
    return name in nul_keys(values)


class CleanRequest(Request):
    parameter_storage_class = CleanMultiDict


def clean_json(data: Any) -> Any:
    """``data`` with NUL removed from every string; ValueError past ``MAX_JSON_DEPTH``.

    Iterative, so the walk itself can never hit the recursion limit.
    """
    root: list[Any] = [data]
    stack: list[tuple[Any, int]] = [(root, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise ValueError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
        items = list(node.items()) if isinstance(node, dict) else list(enumerate(node))
        for key, value in items:
            if isinstance(node, dict) and isinstance(key, str) and "\x00" in key:
                del node[key]
                key = clean(key)
            if isinstance(value, str):
                value = clean(value)
            elif isinstance(value, dict | list):
                stack.append((value, depth + 1))
            node[key] = value
    return root[0]


class EdgeJSONProvider(DefaultJSONProvider):
    """Flask's JSON, refusing (as a ValueError, which ``get_json`` turns into a 400) what
    would nest deeper than ``MAX_JSON_DEPTH``."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            data = json.loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None
        return clean_json(data)


def init_app(app: Flask) -> None:
    app.request_class = CleanRequest
    app.json = EdgeJSONProvider(app)
    for exc in BAD_INPUT:
        app.register_error_handler(exc, bad_input)
    app.register_error_handler(StatementError, _statement_error)
    app.register_error_handler(HTTPException, http_error)


def one_line(reason: str, status: int) -> Response:
    text = " ".join(reason.split())[:200] or "bad input"
    return Response(text + "\n", status, mimetype="text/plain")


def bad_input(exc: BaseException) -> Response:
    """400 for input no rule could read; the request's transaction is rolled back."""
    db = g.get("db_session")
    if db is not None:
        db.rollback()
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""
    # The type and the place, not the message: a message may quote what was typed.
    log.warning("bad input refused: %s%s", type(exc).__name__, where)
    if isinstance(exc, DataError):
        return one_line("bad input: a value is out of range", 400)
    if isinstance(exc, RecursionError):
        return one_line("bad input: nested too deeply", 400)
    return one_line(f"bad input: {type(exc).__name__}", 400)


def _statement_error(exc: StatementError) -> Response:
    """A value refused while binding it (SQLAlchemy wraps the ValueError); else a 500."""
    if isinstance(exc.orig, BAD_INPUT):
        return bad_input(exc)
    raise exc


def http_error(exc: HTTPException) -> Response | HTTPException:
    """One plain-text line for every HTTP error without a body of its own.

    A handler registered for one code (Open311's) outranks this one in Flask, so it
    hands back here what is not its own.
    """
    if exc.response is not None or exc.code is None or exc.code < 400:
        return exc
    # A body past werkzeug's form limits is bad input like any other: the project's
    # callers (aggregators) know 200/400/403/404.
    code = 400 if exc.code == 413 else exc.code
    resp = one_line(f"{exc.code} {exc.name}: {exc.description or ''}", code)
    for name, value in exc.get_headers():
        if name.lower() != "content-type":
            resp.headers[name] = value
    return resp
