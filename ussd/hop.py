"""One USSD hop, whatever the aggregator: take the new input, step, store, answer.

Adapters turn their wire format into a :class:`Hop`; this module owns the rules
every aggregator shares: the new input is what follows the text already
consumed (never a split on ``*``), a retry gets the stored reply, an effect runs
once under a per-session lock, and Redis or the database being down gives an
``END`` apology in the citizen's language instead of an error.

The number is normalised once, at this edge (:attr:`Hop.number`), and only by a
hop that speaks to the core: Redis keys the session by the number as sent.
"""

from __future__ import annotations

import logging
import time
import weakref
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property

import redis
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from core.services import subscriber_language
from menus.machine import Menu, Outcome
from menus.screens import Screen
from menus.state import Draft, State, new_state
from menus.texts import EXPIRED
from sessions.sms_drafts import SmsDrafts
from sessions.store import Kept, Loaded, SessionStore
from ussd.effects import IDEMPOTENT, phone_key, run_effect

log = logging.getLogger(__name__)
WAIT_SECONDS = 8.0
# How long an idempotent effect waits on a held lock before running anyway: the holder
# may be a worker killed mid-hop, whose lock would outlive the aggregator's patience.
GRACE_SECONDS = 1.5
DIAL_CHARS = frozenset("0123456789*")
# The longest text a hop may open its session with in one round trip: a dial-through is
# a few digits, and a longer text is a later hop's (see Answerer._opening).
MAX_OPENING_TEXT = 24
MAX_OPENINGS = 1024  # per menu snapshot; emptied when full
# Sessions this process answered lately: their next hop is a later one, read with a plain
# MGET rather than the opening script. Only a hint (either way is right), emptied when full.
MAX_ANSWERED = 8192


@dataclass(frozen=True)
class Hop:
    session_id: str
    phone: str              # as the aggregator sent it: the session's Redis keys
    text: str               # cumulative (Africa's Talking) or the latest input (Beem)
    cumulative: bool
    key: str                # what makes a retry the same hop
    dial: str = ""          # digits dialled through, as "9*2"

    @cached_property
    def number(self) -> str:
        """The number as the core stores it, worked out at most once per hop and only
        when asked: a navigation hop never pays for the parse."""
        return phone_key(self.phone)


def text_key(text: str) -> str:
    return f"{len(text)}:{zlib.crc32(text.encode())}"


@dataclass(frozen=True)
class Opening:
    """A session's first hop, worked out ahead: the session as stored, and the answer."""

    kept: bytes
    body: str


# Per menu snapshot: (language, dial, text, hop key) -> its opening, or None for a hop that
# cannot open its session in one round trip. A new snapshot starts empty.
_OPENINGS: weakref.WeakKeyDictionary[Menu, dict[tuple[str, str, str, str], Opening | None]] = \
    weakref.WeakKeyDictionary()
_ANSWERED: set[str] = set()


# (effect name, number as the core stores it, session id) -> may it run now? (a rate limit)
Guard = Callable[[str, str, str], bool]


def _page_turn(effect: tuple[str, ...]) -> bool:
    """A further page of an answer this session already found (``("track", ref, page)``).

    The rate limit is on guessing references; reading a long answer page by page
    guesses nothing, and counting each page locked the citizen out of their own answer.
    """
    return effect[0] == "track" and len(effect) > 2


class Answerer:
    """Everything a hop needs to be answered; built per request from the app's cached parts."""

    def __init__(self, menu: Menu, store: SessionStore[State], session: Callable[[], Session],
                 languages: Mapping[str, str] | None = None, short_code: str = "",
                 guard: Guard | None = None) -> None:
        self.menu, self.store, self._session = menu, store, session
        self.languages, self.short_code, self.guard = languages, short_code, guard

    @property
    def session(self) -> Session:
        """The database session, opened only by a hop that needs it (navigation does not)."""
        return self._session()

    def answer(self, hop: Hop) -> str:
        lang = "sw"
        try:
            opening = self._opening(hop)
            if opening is None:
                loaded = self.store.load(hop.session_id, hop.phone)
            else:
                found = self.store.open(hop.session_id, hop.phone, opening.kept)
                if found is None:
                    return opening.body  # the hop opened its session
                loaded = found
            lang = loaded.kept.state.lang if loaded.kept else (loaded.lang or lang)
            return self._answer(hop, loaded)
        except redis.RedisError:
            log.exception("USSD hop %s: Redis unavailable", hop.session_id)
            lang = self._db_language(hop) or lang
        except SQLAlchemyError:
            log.exception("USSD hop %s: database unavailable", hop.session_id)
            self.session.rollback()
        except Exception:  # a bug must still answer the phone, never a 500 to the aggregator
            log.exception("USSD hop %s failed", hop.session_id)
            self.session.rollback()
        return self.menu.apology(lang).body

    def _opening(self, hop: Hop) -> Opening | None:
        """What this hop answers and keeps if it opens its session, when that needs
        no more than the snapshot: one round trip (:meth:`SessionStore.open`) then
        both looks for the session and stores it.

        Any short dial-only text may open a session (``""``, or a dial-through such
        as ``9*2``), and the opening is a function of the snapshot, the language and
        the text, so it is worked out once for each. Not for a hop whose first screen
        begins a draft (its key is drawn afresh) or runs an effect, nor where the
        language needs a parse of the number or a query (no snapshot), nor for a
        session this process has seen already: its hop is a later one, and a plain
        MGET reads that more cheaply than the script.
        """
        if (not hop.cumulative or self.languages is None or not hop.phone.startswith("+")
                or len(hop.text) > MAX_OPENING_TEXT or not DIAL_CHARS.issuperset(hop.text)):
            return None
        if hop.session_id in _ANSWERED:
            return None
        if len(_ANSWERED) >= MAX_ANSWERED:
            _ANSWERED.clear()
        _ANSWERED.add(hop.session_id)
        lang = self.languages.get(hop.phone, "sw")
        table = _OPENINGS.get(self.menu)
        if table is None:
            table = _OPENINGS.setdefault(self.menu, {})
        key = (lang, hop.dial, hop.text, hop.key)
        if key in table:
            return table[key]
        state, screen = self._start(hop, new_state(lang))
        opening = None if screen.effect or state.draft is not None else \
            Opening(self._kept(hop, state, screen).encode(), screen.body)
        if len(table) >= MAX_OPENINGS:
            table.clear()
        table[key] = opening
        return opening

    def _known_language(self, hop: Hop) -> str | None:
        """The number's language from the snapshot: no query on a navigation hop.

        The snapshot is keyed by E.164, which a number sent with its ``+`` already is:
        parsing it would cost every new session.
        """
        if self.languages is None:
            return None
        return self.languages.get(hop.phone if hop.phone.startswith("+") else hop.number, "sw")

    def _db_language(self, hop: Hop) -> str | None:
        try:
            return subscriber_language(self.session, hop.number)
        except SQLAlchemyError:
            self.session.rollback()
            return None

    def _answer(self, hop: Hop, loaded: Loaded[State]) -> str:
        cache_lang = None
        kept = loaded.kept
        if kept is None:
            lang = loaded.lang or self._known_language(hop)
            if lang is None:
                lang = cache_lang = self._db_language(hop)
            draft = Draft.decode(loaded.draft_raw)
            state, screen = self._start(hop, new_state(lang or "sw", draft))
        elif kept.hop == hop.key or kept.reply:
            return self._replay(kept)  # a retry, or a hop after the session ended
        else:
            state, screen = self.menu.step(kept.state, self._new_input(hop, kept))
        if screen.effect:
            return self._effect(hop, state, screen, loaded)
        return self._save(hop, state, screen, loaded.draft_raw, cache_lang)

    def _replay(self, kept: Kept[State]) -> str:
        """The answer already given: an END is stored, a CON is the state's screen again."""
        return kept.reply or self.menu.show(kept.state).body

    def _start(self, hop: Hop, state: State) -> tuple[State, Screen]:
        """A new session: show the root, then follow any dialled-through digits."""
        dial = "*".join(p for p in (hop.dial, hop.text if hop.cumulative else "") if p)
        if not DIAL_CHARS.issuperset(dial):
            # Text we never saw: the session expired under us; the draft is still kept.
            return state, self.menu.apology(state.lang, EXPIRED)
        screen = None  # the root is rendered only if no digit moves past it
        for choice in (c for c in dial.split("*") if c):
            state, screen = self.menu.step(state, choice)
            if screen.effect or screen.end:
                break
        return state, screen or self.menu.show(state)

    def _new_input(self, hop: Hop, kept: Kept[State]) -> str:
        if not hop.cumulative:
            return hop.text
        text, n = hop.text, kept.consumed
        if n <= 0:
            return text
        if len(text) > n and text[n] == "*" and zlib.crc32(text[:n].encode()) == kept.digest:
            return text[n + 1:]
        log.warning("USSD hop %s: text does not extend what was consumed", hop.session_id)
        return text.rpartition("*")[2]

    def _save(self, hop: Hop, state: State, screen: Screen, draft_raw: bytes | None,
              cache_lang: str | None = None) -> str:
        kept = self._kept(hop, state, screen)
        self.store.save(hop.session_id, hop.phone, kept, draft_raw, cache_lang)
        return screen.body

    @staticmethod
    def _kept(hop: Hop, state: State, screen: Screen) -> Kept[State]:
        consumed = len(hop.text) if hop.cumulative else 0
        digest = zlib.crc32(hop.text.encode()) if hop.cumulative else 0
        # Only an END is kept verbatim: a CON screen is re-rendered from the state, which
        # keeps the session small.
        reply = screen.body if screen.end else ""
        return Kept(state, consumed=consumed, digest=digest, hop=hop.key, reply=reply)

    def _effect(self, hop: Hop, state: State, screen: Screen, loaded: Loaded[State]) -> str:
        """Run a submit/track/appeal/language once, even if the hop arrives twice at once.

        The lock spares a duplicate the work. An idempotent effect waits on a held
        lock only :data:`GRACE_SECONDS`, then runs unlocked: a submit's database key
        answers with the first record if the holder committed and died.
        """
        idempotent = screen.effect[0] in IDEMPOTENT
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            if self.store.lock(hop.session_id):
                try:
                    done = self.store.peek(hop.session_id)
                    if done is not None and done.hop == hop.key:
                        return self._replay(done)
                    return self._run_effect(hop, state, screen, loaded)
                finally:
                    try:
                        self.store.unlock(hop.session_id)
                    except redis.RedisError:
                        log.warning("USSD hop %s: lock left to expire", hop.session_id)
            done = self.store.wait_for_hop(hop.session_id, hop.key,
                                           GRACE_SECONDS if idempotent else WAIT_SECONDS)
            if done is not None:
                return self._replay(done)
            if idempotent:
                return self._run_effect(hop, state, screen, loaded)
        log.error("USSD hop %s: gave up waiting for the session lock", hop.session_id)
        return self.menu.apology(state.lang).body

    def _run_effect(self, hop: Hop, state: State, screen: Screen,
                    loaded: Loaded[State]) -> str:
        """Run it, answer with what follows; the session's hop keys a draft without a key."""
        outcome = self._run(hop, state, screen)
        state, final = self.menu.finish(state, screen.effect, outcome)
        lang = screen.effect[1] if screen.effect[0] == "language" else None
        try:
            return self._save(hop, state, final, loaded.draft_raw, lang)
        except redis.RedisError:
            # Committed: telling the citizen it failed would make a phantom. A retry or a
            # redial of the kept draft finds this same record by its key.
            log.exception("USSD hop %s: effect done, session not saved", hop.session_id)
            return final.body

    def _run(self, hop: Hop, state: State, screen: Screen) -> Outcome:
        if self.guard is not None and not _page_turn(screen.effect) \
                and not self.guard(screen.effect[0], hop.number, hop.session_id):
            return Outcome(code="rate_limited")
        return run_effect(self.session, screen.effect, state, hop.number,
                          f"{hop.session_id}:{hop.key}", SmsDrafts(self.store.client),
                          self.short_code)
