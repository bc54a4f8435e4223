"""E-mail for officers (the daily digest), over the configured SMTP server.

Only when ``MREJESHO_SMTP_HOST`` is set; otherwise officers get the SMS alone.
A failing server is logged and skipped: the SMS already went, and the digest
is a convenience, never a record.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable
from email.message import EmailMessage
from typing import Any

log = logging.getLogger(__name__)
TIMEOUT = 10


def is_configured(config: Any) -> bool:
    return bool(config.get("SMTP_HOST"))


def send_mail(config: Any, messages: Iterable[tuple[str, str, str]]) -> int:
    """Send each ``(to, subject, body)``; returns how many the server accepted."""
    sent = 0
    try:
        with smtplib.SMTP(config["SMTP_HOST"], int(config.get("SMTP_PORT") or 25),
                          timeout=TIMEOUT) as smtp:
            if config.get("SMTP_STARTTLS"):
                smtp.starttls()
            if config.get("SMTP_USER"):
                smtp.login(config["SMTP_USER"], config.get("SMTP_PASSWORD") or "")
            for to, subject, body in messages:
                msg = EmailMessage()
                msg["From"], msg["To"], msg["Subject"] = config["SMTP_FROM"], to, subject
                msg.set_content(body)
                smtp.send_message(msg)
                sent += 1
    except (OSError, smtplib.SMTPException) as exc:
        log.error("digest e-mail failed after %d: %s", sent, exc.__class__.__name__)
    return sent
