"""Phone numbers and callback tokens never reach a log in clear: every record is masked.

Anonymity is only as good as the weakest copy of a number, and logs are copied
to places (aggregators, support tickets) that the database never is. A filter
on a handler would miss handlers added later (gunicorn's, a log shipper's), so
the same filter is also run by the log record factory: every record, from any
logger, leaves the factory with its message, arguments and traceback masked.
Secrets are masked the same way: a callback URL's ``?token=``, a bearer token,
an API key (gunicorn's access line carries the query string).

In production every line is JSON (``MREJESHO_LOG_FORMAT``, see :func:`init_app`):
time, level, logger, message and the request id, which comes from the load
balancer's ``X-Request-ID`` (or is made here) and goes back in the response.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, g, has_request_context, request

from core.phones import mask_phone

# +255 712 345 678, 255712345678, 0712345678, +254..., any international +digits.
PHONE = re.compile(
    r"(?<![\w+])(?:"
    r"\+\d[\d \-]{7,16}\d"                        # international, maybe spaced
    r"|255[ \-]?[1-9]\d{2}[ \-]?\d{3}[ \-]?\d{3}"  # bare country code
    r"|0[67]\d{2}[ \-]?\d{3}[ \-]?\d{3}"           # national mobile
    r")(?!\w)")


# A callback's shared secret in a URL: ?token=..., &token=..., also percent-encoded.
TOKEN = re.compile(r"(?i)((?:[?&;]|%3F|%26)token(?:=|%3D))[^&\s\"'#]*")
# token=…, api_key=…, password=… in a query string or a form; Authorization: Bearer/Basic ….
SECRET = re.compile(r"(?i)((?:token|api_?key|apikey|password|secret)=)[^&\s\"']+"
                    r"|((?:bearer|basic) )[A-Za-z0-9._~+/=\-]+")
REQUEST_ID = re.compile(r"[A-Za-z0-9._:\-]{1,64}")


def mask_text(text: str) -> str:
    """``text`` with every phone-number-looking run masked, and every secret starred out."""
    if "oken" in text or "OKEN" in text:
        text = TOKEN.sub(r"\1***", text)
    if "=" in text or "earer " in text or "asic " in text:
        text = SECRET.sub(lambda m: (m.group(1) or m.group(2)) + "***", text)
    if not any(ch.isdigit() for ch in text):
        return text
    return PHONE.sub(lambda m: mask_phone(re.sub(r"[ \-]", "", m.group(0))), text)


class PhoneMaskFilter(logging.Filter):
    """Rewrites the record in place; never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        mask_record(record)
        return True


def mask_record(record: logging.LogRecord) -> None:
    if getattr(record, "_phones_masked", False):
        return
    try:
        message = record.getMessage()
    except Exception:  # a bad format string: keep the raw parts, masked, rather than lose it
        message = f"{record.msg!s} {record.args!r}"
    record.msg, record.args = mask_text(message), None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = mask_text(record.exc_text)
    if record.stack_info:
        record.stack_info = mask_text(record.stack_info)
    record._phones_masked = True


_installed = threading.Lock()
_factory_wrapped = False


def install() -> PhoneMaskFilter:
    """Mask every record made in this process from now on (idempotent)."""
    global _factory_wrapped
    mask = PhoneMaskFilter()
    with _installed:
        if not _factory_wrapped:
            previous = logging.getLogRecordFactory()

            def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
                record = previous(*args, **kwargs)
                mask_record(record)
                return record

            logging.setLogRecordFactory(factory)
            _factory_wrapped = True
        for handler in logging.getLogger().handlers:
            if not any(isinstance(f, PhoneMaskFilter) for f in handler.filters):
                handler.addFilter(mask)
    return mask


class JsonFormatter(logging.Formatter):
    """One JSON object per line: what a log shipper indexes without a parser of its own."""

    def format(self, record: logging.LogRecord) -> str:
        mask_record(record)
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname, "logger": record.name, "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or _request_id()}
        if record.exc_text:
            line["exc"] = record.exc_text
        return json.dumps(line, ensure_ascii=False)


# The request id of a hop answered outside Flask (ussd.lean), for the lines logged meanwhile.
LEAN_REQUEST_ID: ContextVar[str | None] = ContextVar("lean_request_id", default=None)


def _request_id() -> str | None:
    return g.get("request_id") if has_request_context() else LEAN_REQUEST_ID.get()


def _take_request_id() -> None:
    """The balancer's id when it is a sane one, else a fresh one: every line of a request."""
    given = request.headers.get("X-Request-ID", "")
    g.request_id = given if REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


def _give_request_id(resp: Response) -> Response:
    if "request_id" in g:
        resp.headers["X-Request-ID"] = g.request_id
    return resp


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the time (a test runner swaps it)."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


def init_app(app: Flask) -> None:
    """Request ids always; JSON lines on stderr when ``LOG_FORMAT`` is ``json``.

    The default is JSON in production and text on a developer's run. Gunicorn's
    own handlers (its error and access logs) get the same formatter, so every
    line the process writes is one JSON object.
    """
    app.before_request(_take_request_id)
    app.after_request(_give_request_id)
    fmt = app.config.get("LOG_FORMAT") or (
        "text" if app.testing or app.debug or app.config.get("EMBEDDED") else "json")
    if fmt != "json":
        return
    with _installed:
        root = logging.getLogger()
        if not any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
            stream = _Stderr()
            stream.setFormatter(JsonFormatter())
            root.addHandler(stream)
        for name in ("gunicorn.error", "gunicorn.access", "rq.worker"):
            for handler in logging.getLogger(name).handlers:
                handler.setFormatter(JsonFormatter())
