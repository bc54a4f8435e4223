"""USSD sessions in Redis: state per session id, draft per phone number, a hop lock.

Keys (bytes values, compact JSON from :mod:`menus.state`):

    ussd:s:<session>   the session's state and its last reply   idle TTL ~300 s
    ussd:d:<phone>     the draft of an unsent feedback          30 minutes
    ussd:l:<phone>     the number's language, as just changed   15 minutes
    ussd:k:<session>   lock held while a hop runs an effect     a few seconds
    ussd:e:<session>   an end-of-session notice was handled     1 hour

A navigation hop reads with one MGET and writes with one pipelined round trip.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import redis

from menus.state import Draft, State

SESSION_TTL = 300
DRAFT_TTL = 30 * 60
LANGUAGE_TTL = 15 * 60       # longer than the app's snapshot reload
LOCK_TTL = 20
EVENT_TTL = 3600


@dataclass(frozen=True)
class Loaded:
    state: State | None
    draft: Draft | None
    draft_raw: bytes | None
    lang: str | None


class SessionStore:
    def __init__(self, client: redis.Redis[bytes], ttl: int = SESSION_TTL,
                 draft_ttl: int = DRAFT_TTL) -> None:
        self.client, self.ttl, self.draft_ttl = client, ttl, draft_ttl

    @staticmethod
    def _keys(session_id: str, phone: str) -> list[str]:
        return [f"ussd:s:{session_id}", f"ussd:d:{phone}", f"ussd:l:{phone}"]

    def load(self, session_id: str, phone: str) -> Loaded:
        raw_state, raw_draft, raw_lang = self.client.mget(self._keys(session_id, phone))
        draft = Draft.decode(raw_draft)
        state = State.decode(raw_state, draft) if raw_state else None
        return Loaded(state, draft, raw_draft, raw_lang.decode() if raw_lang else None)

    def peek(self, session_id: str) -> State | None:
        raw = self.client.get(f"ussd:s:{session_id}")
        return State.decode(raw, None) if raw else None

    def save(self, session_id: str, phone: str, state: State, loaded_draft: bytes | None,
             cache_lang: str | None = None) -> None:
        """Write the state, the draft if it changed, and a language to cache, in one trip.

        A hop that deletes the draft (a submit, a discard) writes all or nothing
        (MULTI/EXEC, the same round trip): a Redis refusing writes still accepts a
        DEL, and must not drop the draft while the state stays at its confirm screen.
        """
        s_key, d_key, l_key = self._keys(session_id, phone)
        draft = state.draft.encode() if state.draft is not None else None
        deletes = draft is None and loaded_draft is not None
        pipe = self.client.pipeline(transaction=deletes)
        pipe.set(s_key, state.encode(), ex=self.ttl)
        if draft != loaded_draft:
            if draft is None:
                pipe.delete(d_key)
            else:
                pipe.set(d_key, draft, ex=self.draft_ttl)
        if cache_lang:
            pipe.set(l_key, cache_lang, ex=LANGUAGE_TTL)
        pipe.execute()

    def draft(self, phone: str) -> Draft | None:
        return Draft.decode(self.client.get(f"ussd:d:{phone}"))

    def cached_language(self, phone: str) -> str | None:
        raw = self.client.get(f"ussd:l:{phone}")
        return raw.decode() if raw else None

    def lock(self, session_id: str) -> bool:
        return bool(self.client.set(f"ussd:k:{session_id}", b"1", nx=True, ex=LOCK_TTL))

    def unlock(self, session_id: str) -> None:
        self.client.delete(f"ussd:k:{session_id}")

    def wait_for_hop(self, session_id: str, hop: str, timeout: float) -> State | None:
        """Poll until another request has answered ``hop`` (its state holds the reply)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.peek(session_id)
            if state is not None and state.hop == hop:
                return state
            if not self.client.exists(f"ussd:k:{session_id}"):
                return None
            time.sleep(0.02)
        return None

    def mark_notice(self, session_id: str) -> bool:
        """True the first time an end-of-session notice for ``session_id`` is handled."""
        return bool(self.client.set(f"ussd:e:{session_id}", b"1", nx=True, ex=EVENT_TTL))

    def unmark_notice(self, session_id: str) -> None:
        self.client.delete(f"ussd:e:{session_id}")
