"""Phone numbers and callback tokens never reach a log in clear: every record is masked.

Anonymity is only as good as the weakest copy of a number, and logs are copied
to places (aggregators, support tickets) that the database never is. A filter
on a handler would miss handlers added later (gunicorn's, a log shipper's), so
the same filter is also run by the log record factory: every record, from any
logger, leaves the factory with its message, arguments and traceback masked.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Any

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


def mask_text(text: str) -> str:
    """``text`` with every phone-number-looking run and every ``token=`` value masked."""
    if "oken" in text or "OKEN" in text:
        text = TOKEN.sub(r"\1***", text)
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
