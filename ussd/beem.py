"""Beem Africa: JSON in and out; each request carries only the latest input.

In: ``{command: initiate|continue|terminate, msisdn, session_id, operator,
payload: {request_id, response}}``. Out: the same envelope with ``command``
``continue`` or ``terminate`` and ``payload: {request_id, request}`` holding the
screen. ``request_id`` identifies a hop, so a retry of it gets the same reply.
"""

from __future__ import annotations

from typing import Any

from infra.edge import Malformed
from ussd.africastalking import dialled_through
from ussd.hop import Hop, text_key

COMMANDS = frozenset({"initiate", "continue", "terminate"})


def _field(data: dict[str, Any], name: str, limit: int = 200) -> str:
    value = data.get(name)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise Malformed(f"missing {name}")
    if len(value) > limit:
        raise Malformed(f"{name} is too long")
    return value.strip()


def parse(data: Any, base_code: str) -> tuple[str, Hop]:
    """``(command, hop)`` from a Beem request body."""
    if not isinstance(data, dict):
        raise Malformed("the body is not a JSON object")
    command = _field(data, "command", 16)
    if command not in COMMANDS:
        raise Malformed(f"unknown command {command!r}")
    payload = data.get("payload")
    if not isinstance(payload, dict):
        raise Malformed("missing payload")
    request_id = _field(payload, "request_id")
    response = payload.get("response") or ""
    if not isinstance(response, str) or len(response) > 4000:
        raise Malformed("payload.response is not text")
    dial = ""
    if command == "initiate":
        # The first request may carry the dial string; a menu choice comes later.
        dial = dialled_through(response, base_code) if response.startswith("*") else ""
        response = ""
    key = f"r:{request_id}:{text_key(response)}"
    hop = Hop(session_id="beem:" + _field(data, "session_id"), phone=_field(data, "msisdn", 32),
              text=response, cumulative=False, key=key, dial=dial)
    return command, hop


def reply(data: dict[str, Any], body: str) -> dict[str, Any]:
    end = body.startswith("END ")
    return {"msisdn": data.get("msisdn"), "operator": data.get("operator"),
            "session_id": data.get("session_id"),
            "command": "terminate" if end else "continue",
            "payload": {"request_id": data["payload"]["request_id"], "request": body[4:]}}
