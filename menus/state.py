"""The state of one USSD session and of a citizen's draft, small enough for Redis.

A session must cost under a kilobyte, so both serialise to compact JSON with
one-letter keys; the draft lives under the phone number (kept 30 minutes for
a redial) and the rest under the session id (idle TTL of a few minutes). The
state is only what the machine reads: the session store keeps its own
bookkeeping of the hops (``sessions.store.Kept``) beside it.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, fields
from typing import Any, TypeVar

# A screen: (node, page, argument). The argument names the list or carries a reference.
Frame = tuple[str, int, str]
MAX_BACK = 10


@dataclass(frozen=True)
class Draft:
    kind: str
    node: str = "group"
    page: int = 0
    arg: str = ""
    institution: str = ""
    description: str = ""
    anonymous: bool = False
    named: bool = False
    name: str = ""
    # Drawn when the draft is begun, kept through every edit: its submission's key in the
    # database, so a retry or a redial of this draft can never make a second feedback.
    key: str = ""
    leader: str = ""  # Sema na Kiongozi: the level (core.kiongozi.LEVELS) it is addressed at

    def encode(self) -> bytes:
        data = {"k": self.kind, "n": self.node, "p": self.page, "a": self.arg,
                "i": self.institution, "d": self.description, "y": int(self.anonymous),
                "w": int(self.named), "m": self.name, "x": self.key, "v": self.leader}
        return json.dumps({k: v for k, v in data.items() if v not in ("", 0)},
                          separators=(",", ":"), ensure_ascii=False).encode()

    @classmethod
    def decode(cls, raw: bytes | None) -> Draft | None:
        if not raw:
            return None
        d: dict[str, Any] = json.loads(raw)
        return cls(kind=d["k"], node=d.get("n", "group"), page=d.get("p", 0),
                   arg=d.get("a", ""), institution=d.get("i", ""),
                   description=d.get("d", ""), anonymous=bool(d.get("y")),
                   named=bool(d.get("w")), name=d.get("m", ""), key=d.get("x", ""),
                   leader=d.get("v", ""))


def new_draft_key() -> str:
    """12 random URL-safe characters: unguessable, and small beside the 1 KB a session may cost."""
    return secrets.token_urlsafe(9)


@dataclass(frozen=True)
class State:
    lang: str = "sw"
    node: str = "root"
    page: int = 0
    arg: str = ""
    back: tuple[Frame, ...] = ()
    draft: Draft | None = None
    offer: bool = False           # a kept draft not yet offered in this session
    error: str = ""               # msgid of the one-line reason shown above the screen
    text: str = ""                # a screen read from the database (a page of an answer)

    @property
    def frame(self) -> Frame:
        return (self.node, self.page, self.arg)

    def go(self, node: str, page: int = 0, arg: str = "", push: bool = True) -> State:
        back = (self.back + (self.frame,))[-MAX_BACK:] if push else self.back
        return replace(self, node=node, page=page, arg=arg, back=back, error="")

    def fields(self) -> dict[str, Any]:
        """The session key's JSON object (the store drops empty values and adds its own);
        the draft is stored apart, under the phone number."""
        return {"l": self.lang, "n": self.node, "p": self.page, "a": self.arg,
                "b": [list(f) for f in self.back], "o": int(self.offer), "e": self.error,
                "t": self.text}

    def draft_bytes(self) -> bytes | None:
        return self.draft.encode() if self.draft is not None else None

    @classmethod
    def read(cls, d: dict[str, Any], raw_draft: bytes | None) -> State:
        """The state from its fields and the draft kept under the number."""
        return cls(lang=d.get("l", "sw"), node=d.get("n", "root"), page=d.get("p", 0),
                   arg=d.get("a", ""), back=tuple((f[0], f[1], f[2]) for f in d.get("b", [])),
                   draft=Draft.decode(raw_draft), offer=bool(d.get("o")), error=d.get("e", ""),
                   text=d.get("t", ""))


T = TypeVar("T", State, Draft)
_FIELDS = {cls: frozenset(f.name for f in fields(cls)) for cls in (State, Draft)}


def replace(obj: T, **changes: Any) -> T:
    """``dataclasses.replace`` for these two frozen classes, which have no ``__post_init__``
    and no field left out of ``__init__``: a copy of the instance's attributes with
    ``changes`` over them. A hop makes several, and the library's walk of the fields
    and its call of ``__init__`` cost each about 2 µs against half a µs this way.
    A name that is not a field is refused, as there.
    """
    unknown = changes.keys() - _FIELDS[type(obj)]
    if unknown:
        raise TypeError(f"{type(obj).__name__} has no field {sorted(unknown)[0]!r}")
    new = object.__new__(type(obj))
    new.__dict__.update(obj.__dict__, **changes)
    return new


def new_state(lang: str, draft: Draft | None = None) -> State:
    return State(lang=lang, draft=draft, offer=draft is not None)


__all__ = ["Draft", "Frame", "State", "new_draft_key", "new_state", "replace"]
