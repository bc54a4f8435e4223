"""Africa's Talking: form fields in, ``CON ``/``END `` plain text out.

``text`` is every input of the session joined by ``*``; a gateway may instead
put dialled-through digits in ``serviceCode`` (``*152*00*9*2#``).
"""

from __future__ import annotations

from collections.abc import Mapping

from infra.edge import Malformed
from ussd.hop import Hop, text_key

MAX_FIELD = 200
MAX_TEXT = 4000


def required(form: Mapping[str, str], name: str, limit: int = MAX_FIELD) -> str:
    value = (form.get(name) or "").strip()
    if not value:
        raise Malformed(f"missing {name}")
    if len(value) > limit:
        raise Malformed(f"{name} is too long")
    return value


def dialled_through(service_code: str, base: str) -> str:
    """The digits dialled past ``base``: ``*152*00*9*2#`` over ``*152*00#`` gives ``9*2``."""
    code, stem = service_code.strip().rstrip("#"), base.strip().rstrip("#")
    if code.startswith(stem + "*"):
        return code[len(stem) + 1:]
    return ""


def parse_hop(form: Mapping[str, str], base_code: str) -> Hop:
    session_id = required(form, "sessionId")
    phone = required(form, "phoneNumber", 32)
    text = form.get("text") or ""
    if len(text) > MAX_TEXT:
        raise Malformed("text is too long")
    dial = dialled_through(form.get("serviceCode") or "", base_code)
    return Hop(session_id="at:" + session_id, phone=phone.replace(" ", ""), text=text,
               cumulative=True, key=text_key(text), dial=dial)


def parse_notice(form: Mapping[str, str]) -> tuple[str, str, str]:
    """``(session id, phone, status)`` of an end-of-session notice."""
    return ("at:" + required(form, "sessionId"),
            required(form, "phoneNumber", 32).replace(" ", ""), required(form, "status", 32))
