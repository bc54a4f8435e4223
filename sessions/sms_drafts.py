"""Drafts whose description comes by SMS: kind and institution chosen by USSD, text typed later.

Typing a description on a T9 keypad can outlast the USSD session (issue 21).
The citizen chooses the kind and the institution by USSD, picks "send the
description by SMS", and gets a four-digit code; an SMS ``<code> text`` (or a
plain reply to the prompt SMS) from the same number completes it.

Keys (bytes values):

    sms:d:<phone>           the pending draft (compact JSON with its code)   30 minutes
    sms:c:<phone>:<code>    the inbound message that completes it            30 minutes

The draft is keyed by the number, so a code is only ever good for the number it
was given to: another number's code finds nothing and is refused. The claim is
set once (``NX``), so however many messages carry the code, only the first one
(and the sweeper's retry of that same message) makes a feedback.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass

import redis

DRAFT_TTL = 30 * 60
CODE_DIGITS = 4


@dataclass(frozen=True)
class SmsDraft:
    code: str
    kind: str
    institution: str
    anonymous: bool
    lang: str

    def encode(self) -> bytes:
        return json.dumps({"c": self.code, "k": self.kind, "i": self.institution,
                           "y": int(self.anonymous), "l": self.lang},
                          separators=(",", ":")).encode()

    @classmethod
    def decode(cls, raw: bytes | None) -> SmsDraft | None:
        if not raw:
            return None
        d = json.loads(raw)
        return cls(code=d["c"], kind=d["k"], institution=d["i"], anonymous=bool(d["y"]),
                   lang=d.get("l", "sw"))


def new_code() -> str:
    return f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"


class SmsDrafts:
    def __init__(self, client: redis.Redis[bytes], ttl: int = DRAFT_TTL) -> None:
        self.client, self.ttl = client, ttl

    def create(self, phone: str, kind: str, institution: str, anonymous: bool,
               lang: str) -> SmsDraft:
        """A fresh draft for ``phone`` (replacing any earlier one) under a new code."""
        earlier = self.get(phone)
        code = new_code()
        while earlier is not None and code == earlier.code:  # a reused code could be claimed
            code = new_code()
        draft = SmsDraft(code, kind, institution, anonymous, lang)
        self.client.set(f"sms:d:{phone}", draft.encode(), ex=self.ttl)
        return draft

    def get(self, phone: str) -> SmsDraft | None:
        return SmsDraft.decode(self.client.get(f"sms:d:{phone}"))

    def claim(self, phone: str, code: str, message_id: int) -> int:
        """The id of the message that completes the draft: ``message_id`` if it is the first."""
        key = f"sms:c:{phone}:{code}"
        if self.client.set(key, str(message_id).encode(), nx=True, ex=self.ttl):
            return message_id
        owner = self.client.get(key)
        return int(owner) if owner else message_id

    def claimed_by(self, phone: str, code: str) -> int | None:
        owner = self.client.get(f"sms:c:{phone}:{code}")
        return int(owner) if owner else None

    def release(self, phone: str, code: str, message_id: int) -> None:
        """Give the claim back when the message made no feedback (a refusal, too short)."""
        key = f"sms:c:{phone}:{code}"
        if self.client.get(key) == str(message_id).encode():
            self.client.delete(key)


__all__ = ["DRAFT_TTL", "SmsDraft", "SmsDrafts"]
