"""Turn one stored inbound SMS into one core call and its reply.

The channel stays thin: :func:`sms.parser.parse` says what the citizen asked,
one service of :mod:`core.services` does it, and the reply goes out through
:func:`core.notify.queue_sms` (so the opt-out rule and the after-commit
dispatch hold here as everywhere). A domain refusal becomes a one-line reply
from the catalogues. :func:`handle` leaves the transaction to its caller;
:func:`handle_stored`, the one entry of the view and of the sweeper, owns its own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core import clock, directives, services
from core.directory import Directory
from core.errors import InvalidFeedback, InvalidPhone, MrejeshoError, NotAllowed
from core.i18n import normalise_locale
from core.institutions import TRIAGE_CODE
from core.kiongozi import leader_office
from core.models import InboundMessage, Subscriber
from core.notify import queue_sms
from core.phones import normalise_phone
from core.replies import render
from core.subscribers import set_opt_out
from infra import directory, kv, security
from infra.db import database
from sessions.sms_drafts import SmsDrafts
from sms import replies as r
from sms.drafts import complete_draft
from sms.parser import Command, parse
from sms.rows import updated

log = logging.getLogger(__name__)
CONFIRM_WINDOW = timedelta(hours=1)
PURPOSE = "reply"


ReplyGuard = Callable[[str], bool]  # phone -> may the channel send it one more reply?


class Context:
    """One inbound message being handled: who sent it, in which language, and when."""

    def __init__(self, session: Session, msg: InboundMessage, directory: Directory,
                 now: datetime, allow_reply: ReplyGuard | None = None) -> None:
        self.session, self.msg, self.directory, self.now = session, msg, directory, now
        self.allow_reply = allow_reply
        self.phone = msg.phone
        self.subscriber = session.scalar(select(Subscriber).where(Subscriber.phone == msg.phone))
        self.lang = self.subscriber.language if self.subscriber else "sw"

    def reply(self, msgid: str, **params: object) -> None:
        """Queue a reply, unless the number had its hour's worth (stored, handled, unanswered)."""
        if self.allow_reply is not None and not self.allow_reply(self.phone):
            log.info("inbound SMS %s: reply held back by the per-number limit", self.msg.id)
            return
        queue_sms(self.session, phone=self.phone, purpose=PURPOSE,
                  text=render(self.lang, msgid, **params))


def handle(session: Session, msg: InboundMessage, directory: Directory,
           now: datetime | None = None, drafts: SmsDrafts | None = None,
           allow_reply: ReplyGuard | None = None) -> Command:
    """Handle ``msg`` (already stored, from a valid number) and queue its reply.

    With ``drafts``, a message without a keyword may complete the sender's USSD
    draft (:mod:`sms.drafts`) instead of being kept for a YES.
    """
    command = parse(msg.text)
    ctx = Context(session, msg, directory, now or clock.now(session), allow_reply)
    if ctx.subscriber is None:  # a first message in English makes an English subscriber
        ctx.subscriber = services.ensure_subscriber(session, msg.phone, command.lang or "sw")
        ctx.lang = ctx.subscriber.language
    msg.command = command.action
    try:
        with session.begin_nested():
            if not (drafts is not None and command.action == "unknown"
                    and complete_draft(ctx, drafts, msg.text)):
                HANDLERS.get(command.action, _unknown)(ctx, command)
    except InvalidFeedback:
        ctx.reply(_USAGE.get(command.action, r.GENERIC_ERROR))
    except MrejeshoError as exc:
        ctx.reply(r.ERRORS.get(exc.code, r.GENERIC_ERROR))
    msg.handled_at = ctx.now
    session.flush()
    return command


def handle_stored(inbound_id: int) -> bool:
    """Handle a stored inbound message unless someone already has; True if this call did.

    The view after storing, and the sweeper (:func:`sms.jobs.sweep_queued_messages`)
    for what a crash left, both come here: the claim (``handled_at IS NULL``) makes
    two concurrent deliveries of one id handled once.
    """
    with database().sessionmaker() as session:
        now = clock.now(session)  # the clock every host shares, not this host's
        claimed = updated(session,
            update(InboundMessage)
            .where(InboundMessage.id == inbound_id, InboundMessage.handled_at.is_(None))
            .values(handled_at=now))
        if not claimed:
            session.rollback()
            return False
        msg = session.get(InboundMessage, inbound_id, populate_existing=True)
        assert msg is not None
        _handle(session, msg, now)
        session.commit()
        return True


def _handle(session: Session, msg: InboundMessage, now: datetime) -> None:
    try:
        msg.phone = normalise_phone(msg.phone)
    except InvalidPhone:  # kept, but there is no one we could answer
        msg.command = "invalid_sender"
        log.info("inbound SMS %s from a number we cannot answer", msg.id)
        return
    handle(session, msg, directory.holder().get(), now, SmsDrafts(kv.client()),
           allow_reply=_reply_allowed)


def _reply_allowed(phone: str) -> bool:
    return security.allow("sms-reply", phone, "SMS_REPLY_RATE_LIMIT")


def _target(ctx: Context, c: Command) -> tuple[str, str]:
    """(institution code, description): what the part before ':' names, else triage."""
    if c.institution is not None:
        matched = ctx.directory.match(c.institution)
        if matched:
            return matched, c.text
        # nothing the citizen wrote is lost: the unmatched part stays in the text
        return TRIAGE_CODE, f"{c.institution}: {c.text}".strip()
    return TRIAGE_CODE, c.text


def _submit(ctx: Context, c: Command) -> None:
    code, description = _target(ctx, c)
    _submit_text(ctx, c.kind or "complaint", code, description, c.anonymous)
    if code == TRIAGE_CODE:  # say where it went, and how to name an institution next time
        ctx.reply(r.TO_CENTRAL)


def _leader(ctx: Context, c: Command) -> None:
    """``KIONGOZI [SIRI] <office>: …``: to the leader over what was named (a council's DC)."""
    code, description = _target(ctx, c)
    if code != TRIAGE_CODE:
        code = leader_office(ctx.session, code).code
    _submit_text(ctx, c.kind or "complaint", code, description, c.anonymous, to_leader=True)
    if code == TRIAGE_CODE:
        ctx.reply(r.LEADER_TO_CENTRAL)


def _submit_text(ctx: Context, kind: str, code: str, description: str,
                 anonymous: bool, to_leader: bool = False) -> None:
    if len(description) < services.MIN_DESCRIPTION:
        raise InvalidFeedback("nothing after the keyword")
    # A very long SMS is cut to what a feedback holds; the whole text stays in the inbox.
    description = description[:services.MAX_DESCRIPTION]
    feedback = services.submit_feedback(ctx.session, services.Submission(
        kind=kind, channel="sms", institution_code=code, description=description,
        phone=ctx.phone, anonymous=anonymous, language=ctx.lang, to_leader=to_leader),
        now=ctx.now)
    ctx.msg.feedback_id = feedback.id


def _status(ctx: Context, c: Command) -> None:
    if not c.reference:
        raise InvalidFeedback("no reference")
    fb = services.find_feedback(ctx.session, c.reference)
    ctx.msg.feedback_id = fb.id  # tied to it, so the retention purge finds it
    params = {"ref": fb.reference, "kind": r.kind_name(ctx.lang, fb.kind),
              "inst": fb.institution.short_name(ctx.lang),
              "date": fb.created_at.strftime("%d/%m/%Y"),
              "status": r.status_name(ctx.lang, fb.status)}
    if fb.submitter_phone != ctx.phone:  # others: kind, place, status, date
        return ctx.reply(r.STATUS, **params)
    notice = directives.citizen_notice(ctx.session, fb, ctx.lang)
    if notice:
        params["directive"] = notice
    if not fb.escalated:
        return ctx.reply(r.STATUS_DIRECTIVE if notice else r.STATUS, **params)
    parent = fb.institution.parent
    up = parent.short_name(ctx.lang) if parent else r.render(ctx.lang, r.OVERSIGHT)
    ctx.reply(r.STATUS_ESCALATED_DIRECTIVE if notice else r.STATUS_ESCALATED, up=up, **params)


def _appeal(ctx: Context, c: Command) -> None:
    if not c.reference:
        raise InvalidFeedback("no reference")
    fb = services.find_feedback(ctx.session, c.reference)
    # The core sends the confirmation SMS, as it does for an appeal made by USSD.
    services.appeal_feedback(ctx.session, fb, ctx.phone, c.text, now=ctx.now)
    ctx.msg.feedback_id = fb.id  # tied to it, so the retention purge finds it


def _add(ctx: Context, c: Command) -> None:
    """``ONGEZA <ref> …``: the rest of a description the USSD screen had no room for."""
    if not c.reference:
        raise InvalidFeedback("no reference")
    fb = services.find_feedback(ctx.session, c.reference)
    try:
        with ctx.session.begin_nested():
            services.add_to_feedback(ctx.session, fb, ctx.phone, c.text, now=ctx.now)
    except NotAllowed:
        return ctx.reply(r.ADD_REFUSED, ref=fb.reference)
    except InvalidFeedback:
        return ctx.reply(r.ADD_TOO_LONG if c.text else r.ADD_USAGE, ref=fb.reference)
    ctx.msg.feedback_id = fb.id
    ctx.reply(r.ADDED, ref=fb.reference, n=len(fb.description))


def _rate(ctx: Context, c: Command) -> None:
    if c.rating is None:
        raise InvalidFeedback("no rating")
    if c.reference:
        fb = services.find_feedback(ctx.session, c.reference)
    else:
        waiting = services.answers_awaiting_rating(ctx.session, ctx.phone)
        if not waiting:
            return ctx.reply(r.RATE_NONE)
        if len(waiting) > 1:
            return ctx.reply(r.RATE_WHICH, ref=waiting[0].reference)
        fb = waiting[0]
    offer_appeal = services.rate_feedback(ctx.session, fb, ctx.phone, c.rating, now=ctx.now)
    ctx.msg.feedback_id = fb.id
    ctx.reply(r.RATED_LOW if offer_appeal else r.RATED, ref=fb.reference)


def _language(ctx: Context, c: Command) -> None:
    if c.language is None:
        raise InvalidFeedback("no language")
    ctx.subscriber = services.remember_language(ctx.session, ctx.phone, c.language)
    ctx.lang = normalise_locale(c.language)
    ctx.reply(r.LANGUAGE_SET)


def _opt(ctx: Context, opted_out: bool) -> None:
    sub = ctx.subscriber
    assert sub is not None
    if opted_out:
        ctx.reply(r.STOPPED)  # queued while still opted in: the last SMS they get
    set_opt_out(ctx.session, sub, opted_out)
    if not opted_out:
        ctx.reply(r.STARTED)


def _confirm(ctx: Context, c: Command) -> None:
    """YES within the hour makes the last keyword-less message a complaint to triage."""
    pending = ctx.session.scalar(select(InboundMessage).where(
        InboundMessage.phone == ctx.phone, InboundMessage.command == "unknown",
        InboundMessage.feedback_id.is_(None), InboundMessage.id != ctx.msg.id,
        InboundMessage.received_at >= ctx.now - CONFIRM_WINDOW,
    ).order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc()).limit(1))
    # Claim it, so that two YES at once make one complaint.
    claimed = pending is not None and updated(ctx.session,
        update(InboundMessage).where(InboundMessage.id == pending.id,
                                     InboundMessage.command == "unknown")
        .values(command="confirmed")) == 1
    if pending is None or not claimed:
        return ctx.reply(r.NOTHING_TO_CONFIRM)
    _submit_text(ctx, "complaint", TRIAGE_CODE, pending.text.strip(), False)
    pending.feedback_id = ctx.msg.feedback_id


def _greeting(ctx: Context, c: Command) -> None:
    """"Asante sana", "habari": answered kindly, never filed nor offered as a complaint."""
    ctx.reply(r.GREETING)


def _unknown(ctx: Context, c: Command) -> None:
    ctx.reply(r.EMPTY if c.action == "empty" else r.KEPT)


HANDLERS: dict[str, Callable[[Context, Command], None]] = {
    "submit": _submit, "leader": _leader, "status": _status, "appeal": _appeal, "rate": _rate,
    "language": _language, "help": lambda ctx, c: ctx.reply(r.HELP),
    "stop": lambda ctx, c: _opt(ctx, True), "start": lambda ctx, c: _opt(ctx, False),
    "yes": _confirm, "unknown": _unknown, "empty": _unknown, "add": _add,
    "greeting": _greeting,
}
_USAGE = {"submit": r.SUBMIT_USAGE, "status": r.STATUS_USAGE, "appeal": r.APPEAL_USAGE,
          "language": r.LANGUAGE_USAGE, "yes": r.SUBMIT_USAGE, "rate": r.RATE_USAGE,
          "add": r.ADD_USAGE, "leader": r.LEADER_USAGE}
