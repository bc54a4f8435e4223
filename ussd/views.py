"""The USSD blueprint: Africa's Talking and Beem callbacks, and end-of-session notices.

Views stay thin: the adapter parses, :class:`ussd.hop.Answerer` answers, the
adapter renders. The menu is built over the app's directory snapshot
(:mod:`infra.directory`) and kept in ``app.extensions`` until that snapshot is
reloaded, so a navigation hop never queries the database.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import redis
from flask import Blueprint, Flask, Response, current_app, jsonify, request
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from core.drafts import queue_draft_kept
from core.services import subscriber_language
from infra import directory, edge, kv, security
from infra.db import session
from infra.metrics import observe_hop
from menus.machine import Menu, apology
from menus.state import Draft, State
from sessions.store import SessionStore
from ussd import africastalking, beem
from ussd.effects import other_languages, phone_key
from ussd.hop import Answerer

log = logging.getLogger(__name__)
bp = Blueprint("ussd", __name__, url_prefix="/ussd")
READ_STATE = State.read  # bound once: the store is built per hop


class MenuHolder:
    """The menu over the app's directory snapshot, rebuilt only when that is reloaded.

    The numbers with a non-default language are read with it, so that a new
    session needs no query to know its language.
    """

    def __init__(self, app: Flask) -> None:
        self.app, self._lock = app, threading.Lock()
        self.directory = directory.holder(app)
        self._menu: Menu | None = None
        self.languages: dict[str, str] = {}

    def get(self) -> Menu:
        snapshot = self.directory.get()
        menu = self._menu
        if menu is not None and menu.directory is snapshot:
            return menu
        with self._lock:
            if self._menu is None or self._menu.directory is not snapshot:
                kept = self.languages if self._menu is not None else None
                self.languages = directory.reload_or_keep(self.app, other_languages, kept,
                                                          "language")
                self._menu = Menu(snapshot)
            return self._menu

    def reset(self) -> None:
        """Reload the directory and the languages at the next hop (after an import)."""
        self.directory.reset()
        self._menu = None


def init_app(app: Flask) -> None:
    app.extensions["ussd_menu"] = MenuHolder(app)
    app.register_blueprint(bp)


def answerer_for(app: Flask, session_factory: Callable[[], Session]) -> Answerer:
    """What answers ``app``'s hops: one wiring for the Flask views and the lean hot path."""
    store = SessionStore(kv.client(app), READ_STATE, ttl=app.config["USSD_SESSION_TTL"])
    holder: MenuHolder = app.extensions["ussd_menu"]
    return Answerer(holder.get(), store, session_factory, holder.languages,
                    str(app.config["AT_SHORT_CODE"]),
                    guard=lambda effect, number, sid: _lookup_guard(app, effect, number, sid))


def _answerer() -> Answerer:
    return answerer_for(current_app, session)


LOOKUPS = frozenset({"track", "appeal"})


def _lookup_guard(app: Flask, effect: str, number: str, session_id: str) -> bool:
    """References are guessed by looking them up: a few per session, more per number."""
    if effect not in LOOKUPS:
        return True
    return (security.allow("ussd-lookup-session", session_id, "TRACK_SESSION_RATE_LIMIT", app)
            and security.allow("ussd-lookup-number", number, "TRACK_RATE_LIMIT", app))


bp.before_request(edge.check_callback_token)


def _answer(hop: Any) -> str:
    started = time.perf_counter()
    try:
        body = _answerer().answer(hop)
    except SQLAlchemyError:  # the directory could not be loaded: the database is down
        log.exception("USSD: cannot load the directory")
        body = apology("sw").body
    observe_hop(time.perf_counter() - started, body)
    return body


@bp.post("/africastalking")
def africastalking_hop() -> Response:
    try:
        hop = africastalking.parse_hop(request.form, current_app.config["USSD_SERVICE_CODE"])
    except edge.Malformed as exc:
        return edge.bad(str(exc))
    return Response(_answer(hop), 200, mimetype="text/plain")


@bp.post("/beem")
def beem_hop() -> Response:
    data: Any = request.get_json(silent=True)
    try:
        command, hop = beem.parse(data, current_app.config["USSD_SERVICE_CODE"])
    except edge.Malformed as exc:
        return edge.bad(str(exc))
    if command == "terminate":
        _notice(hop.session_id, hop.phone, "Incomplete")
        return jsonify(beem.reply(data, "END "))
    return jsonify(beem.reply(data, _answer(hop)))


@bp.post("/africastalking/events")
def africastalking_events() -> Response:
    try:
        session_id, phone, status = africastalking.parse_notice(request.form)
    except edge.Malformed as exc:
        return edge.bad(str(exc))
    _notice(session_id, phone, status)
    return Response("OK\n", 200, mimetype="text/plain")


def _notice(session_id: str, phone: str, status: str) -> None:
    """A session that ended ``Incomplete`` with a draft gets one SMS saying how to go on."""
    if status != "Incomplete":
        return
    store = SessionStore(kv.client(), READ_STATE)
    try:
        draft = Draft.decode(store.draft_raw(phone))
        if draft is None or not store.mark_notice(session_id):
            return
    except redis.RedisError:
        log.exception("USSD notice %s: Redis unavailable", session_id)
        return
    number = phone_key(phone)  # Redis keeps the draft under the number as sent
    try:
        db = session()
        lang = store.cached_language(phone) or subscriber_language(db, number)
        queue_draft_kept(db, number, lang, draft.kind, current_app.config["USSD_SERVICE_CODE"])
        db.commit()
    except (SQLAlchemyError, redis.RedisError):
        log.exception("USSD notice %s: could not queue the draft SMS", session_id)
        session().rollback()
        try:
            store.unmark_notice(session_id)
        except redis.RedisError:
            pass
