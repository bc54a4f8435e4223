"""USSD sessions in Redis: state per session id, draft per phone number, a hop lock.

The store keeps what the menu machine hands it beside its own bookkeeping: a
:class:`Kept` holds the machine's state (anything :class:`Storable`: its fields
and its draft, encoded by their owner) and what the hop needs to take the next
input and answer a retry. The machine never reads the bookkeeping, and the
store never reads the state's fields; it reserves the keys ``c g h r`` of the
session's JSON object for itself.

Keys (bytes values, compact JSON):

    ussd:s:<session>   the session's state and its last reply   idle TTL ~300 s
    ussd:d:<phone>     the draft of an unsent feedback          30 minutes
    ussd:l:<phone>     the number's language, as just changed   15 minutes
    ussd:k:<session>   lock held while a hop runs an effect     a few seconds
    ussd:e:<session>   an end-of-session notice was handled     1 hour

A navigation hop reads with one MGET and writes with one pipelined round trip. A
session's first hop can be one round trip (:meth:`SessionStore.open`): a script writes
the new session only if nothing is kept for it, its number's draft or language.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

SESSION_TTL = 300
DRAFT_TTL = 30 * 60
LANGUAGE_TTL = 15 * 60       # longer than the app's snapshot reload
LOCK_TTL = 20
EVENT_TTL = 3600


class Storable(Protocol):
    """A session's state as the store needs it: its JSON fields, and its draft apart."""

    def fields(self) -> dict[str, Any]: ...

    def draft_bytes(self) -> bytes | None: ...


S = TypeVar("S", bound=Storable)
# Reads a state back from its fields and the draft stored under the number.
Read = Callable[[dict[str, Any], bytes | None], S]


@dataclass(frozen=True)
class Kept(Generic[S]):
    """One session as stored: the machine's state and the store's bookkeeping of the hops."""

    state: S
    consumed: int = 0             # characters of the aggregator's text already taken
    digest: int = 0               # crc32 of that text
    hop: str = ""                 # key of the last hop answered
    reply: str = ""               # the body it got, if it ended the session

    def encode(self) -> bytes:
        data = self.state.fields()  # one JSON object: one dumps, one loads a hop
        data["c"] = self.consumed
        data["g"] = self.digest
        data["h"] = self.hop
        data["r"] = self.reply
        return json.dumps({k: v for k, v in data.items() if v not in ("", 0, [])},
                          separators=(",", ":"), ensure_ascii=False).encode()


@dataclass(frozen=True)
class Loaded(Generic[S]):
    """What a hop's one MGET found: the session if any, the number's draft and language."""

    kept: Kept[S] | None
    draft_raw: bytes | None
    lang: str | None


class SessionStore(Generic[S]):
    def __init__(self, client: redis.Redis[bytes], read: Read[S], ttl: int = SESSION_TTL,
                 draft_ttl: int = DRAFT_TTL) -> None:
        self.client, self.read, self.ttl, self.draft_ttl = client, read, ttl, draft_ttl

    @staticmethod
    def _keys(session_id: str, phone: str) -> list[str]:
        return [f"ussd:s:{session_id}", f"ussd:d:{phone}", f"ussd:l:{phone}"]

    def _decode(self, raw: bytes, raw_draft: bytes | None) -> Kept[S]:
        data: dict[str, Any] = json.loads(raw)
        return Kept(self.read(data, raw_draft), consumed=data.get("c", 0),
                    digest=data.get("g", 0), hop=data.get("h", ""), reply=data.get("r", ""))

    def load(self, session_id: str, phone: str) -> Loaded[S]:
        return self._loaded(self._trip(("MGET", *self._keys(session_id, phone)))[0])

    def open(self, session_id: str, phone: str, first: bytes) -> Loaded[S] | None:
        """Store ``first`` (a :meth:`Kept.encode`) as a new session in the one round trip
        that looks for it.

        Returns None when it was stored: nothing was kept for the session, the
        number's draft or its language, so ``first`` (worked out as if so) is the
        session. Otherwise nothing is written and what is kept comes back, as
        :meth:`load` reads it: the hop is a later one, a retry, or a redial that a
        draft or a new language changes. The look and the write are one script, so
        no other hop comes between them. ``first`` must hold no draft: the draft is
        stored apart, and is never written here.
        """
        keys = self._keys(session_id, phone)
        args = (3, *keys, first, self.ttl)
        try:
            reply = self._trip(("EVALSHA", _OPEN_SHA, *args))[0]
        except redis.exceptions.NoScriptError:  # a new or restarted server: send it whole
            reply = self._trip(("EVAL", _OPEN, *args))[0]
        return self._loaded(reply) if isinstance(reply, list) else None

    def _loaded(self, found: list[bytes | None]) -> Loaded[S]:
        raw_state, raw_draft, raw_lang = found
        kept = self._decode(raw_state, raw_draft) if raw_state else None
        return Loaded(kept, raw_draft, raw_lang.decode() if raw_lang else None)

    def peek(self, session_id: str) -> Kept[S] | None:
        raw = self.client.get(f"ussd:s:{session_id}")
        return self._decode(raw, None) if raw else None

    def save(self, session_id: str, phone: str, kept: Kept[S], loaded_draft: bytes | None,
             cache_lang: str | None = None) -> None:
        """Write the state, the draft if it changed, and a language to cache, in one trip.

        A hop that deletes the draft (a submit, a discard) writes all or nothing
        (MULTI/EXEC, the same round trip): a Redis refusing writes still accepts a
        DEL, and must not drop the draft while the state stays at its confirm screen.
        """
        s_key, d_key, l_key = self._keys(session_id, phone)
        draft = kept.state.draft_bytes()
        commands: list[tuple[Any, ...]] = [("SET", s_key, kept.encode(), "EX", self.ttl)]
        deletes = draft is None and loaded_draft is not None
        if deletes:
            commands.append(("DEL", d_key))
        elif draft != loaded_draft:
            commands.append(("SET", d_key, draft, "EX", self.draft_ttl))
        if cache_lang:
            commands.append(("SET", l_key, cache_lang, "EX", LANGUAGE_TTL))
        if not deletes:
            self._trip(*commands)
            return
        pipe = self.client.pipeline(transaction=True)
        for command in commands:
            pipe.execute_command(*command)  # type: ignore[no-untyped-call]
        pipe.execute()

    def _trip(self, *commands: tuple[Any, ...]) -> list[Any]:
        """``commands`` in one round trip, as a pipeline without MULTI sends them, on this
        thread's own connection (:func:`_connection`).

        It skips redis-py's per-command layers (argument filtering, response callbacks,
        observability hooks) and the pool: a checkout probes the socket for stray data
        (a non-blocking read and two mode switches, each a syscall) and a hop makes two.
        An error reply is raised, as the pipeline raises it, once every reply is read; any
        other failure drops the connection, so no reply is ever left for the next hop.
        A connection the server closed while it was idle (a restart, a failover, its
        ``timeout``) is made again and the trip sent once more: a hop's commands are
        MGET and SETs, which may be sent twice.
        """
        conn = _connection(self.client.connection_pool)
        try:
            return _RETRY.call_with_retry(
                lambda: _send(conn, commands), lambda _error: conn.disconnect())
        except redis.ResponseError:
            raise
        except BaseException:
            conn.disconnect()
            raise

    def draft_raw(self, phone: str) -> bytes | None:
        """The number's kept draft, as its owner encoded it."""
        return self.client.get(f"ussd:d:{phone}")

    def cached_language(self, phone: str) -> str | None:
        raw = self.client.get(f"ussd:l:{phone}")
        return raw.decode() if raw else None

    def lock(self, session_id: str) -> bool:
        return bool(self.client.set(f"ussd:k:{session_id}", b"1", nx=True, ex=LOCK_TTL))

    def unlock(self, session_id: str) -> None:
        self.client.delete(f"ussd:k:{session_id}")

    def wait_for_hop(self, session_id: str, hop: str, timeout: float) -> Kept[S] | None:
        """Poll until another request has answered ``hop`` (its session holds the reply)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            kept = self.peek(session_id)
            if kept is not None and kept.hop == hop:
                return kept
            if not self.client.exists(f"ussd:k:{session_id}"):
                return None
            time.sleep(0.02)
        return None

    def mark_notice(self, session_id: str) -> bool:
        """True the first time an end-of-session notice for ``session_id`` is handled."""
        return bool(self.client.set(f"ussd:e:{session_id}", b"1", nx=True, ex=EVENT_TTL))

    def unmark_notice(self, session_id: str) -> None:
        self.client.delete(f"ussd:e:{session_id}")


# KEYS: the session, the number's draft, its language (as _keys); ARGV: the new session, its TTL.
_OPEN = """
local found = redis.call('MGET', KEYS[1], KEYS[2], KEYS[3])
if found[1] or found[2] or found[3] then return found end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1
"""
_OPEN_SHA = hashlib.sha1(_OPEN.encode()).hexdigest()

_HELD = threading.local()
_RETRY = Retry(NoBackoff(), 1)


def _forget_held() -> None:
    global _HELD
    _HELD = threading.local()  # a forked child never writes on its parent's sockets


os.register_at_fork(after_in_child=_forget_held)


def _connection(pool: redis.ConnectionPool) -> Any:
    """The calling thread's own connection to ``pool``'s server, made on first use.

    A web worker's threads each answer one hop at a time, so a connection per thread
    needs no checkout. It is made by the pool (its kind, its Sentinel lookup on
    connect) but never lent from it: when the server's idle thread exits, the
    connection goes with it. A forked child makes its own.
    """
    held: weakref.WeakKeyDictionary[Any, Any] | None = getattr(_HELD, "conns", None)
    if held is None:
        held = _HELD.conns = weakref.WeakKeyDictionary()
    conn = held.get(pool)
    if conn is None:
        conn = held[pool] = pool.make_connection()
    return conn


def _send(conn: Any, commands: tuple[tuple[Any, ...], ...]) -> list[Any]:
    # connect() first: a send on a closed connection reconnects to the connection's own
    # host, bypassing a Sentinel-managed connection's lookup of the master.
    conn.connect()
    conn.send_packed_command(conn.pack_commands(commands))
    replies = []
    for _ in commands:
        try:
            replies.append(conn.read_response())
        except redis.ResponseError as error:  # read the rest: the connection stays in step
            replies.append(error)
    for reply in replies:
        if isinstance(reply, redis.ResponseError):
            raise reply
    return replies
