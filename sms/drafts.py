"""An SMS that completes a USSD draft: ``<code> text``, or a plain reply to the prompt.

Only a message without a keyword is considered (a keyword always means what it
says). The draft and its code live in Redis (:mod:`sessions.sms_drafts`) under
the sender's number, so another number's code is refused like a wrong one. The
first message to claim the code makes the feedback, whose reference SMS
:func:`core.services.submit_feedback` queues as for any submission; a second
message with the code is told the reference, never makes a second feedback.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sqlalchemy import select

from core import services
from core.errors import MrejeshoError
from core.i18n import N_
from core.models import Feedback, InboundMessage
from sessions.sms_drafts import CODE_DIGITS, SmsDraft, SmsDrafts

if TYPE_CHECKING:
    from sms.handler import Context

_CODE = re.compile(rf"\s*(\d{{{CODE_DIGITS}}})(?!\d)[\s:.,#*-]*(.*)", re.DOTALL)

WRONG_CODE = N_("That code is wrong for this number. Send the code we gave you, a space "
                "and your description.")
NO_DRAFT = N_("No description is awaited under that code: a draft is kept 30 minutes. "
              "Dial again, or reply YES to send this to the central desk.")
ALREADY = N_("Your description was already received: ref %(ref)s.")
BUSY = N_("Your description is being saved; its reference follows by SMS.")
SHORT = N_("Too short: send the code, a space and at least 3 letters.")


def complete_draft(ctx: Context, drafts: SmsDrafts, text: str) -> bool:
    """Complete the sender's draft with ``text`` if the message is meant for it; True if so."""
    draft = drafts.get(ctx.phone)
    m = _CODE.fullmatch(text)
    if m is None:
        if draft is None or _done(ctx, drafts, draft) is not None:
            return False  # no draft waiting: an ordinary message without a keyword
        body = text
    elif draft is None:
        ctx.reply(NO_DRAFT)
        return True
    elif m.group(1) != draft.code:
        ctx.reply(WRONG_CODE)
        return True
    else:
        body = m.group(2)
    body = " ".join(body.split())
    if len(body) < services.MIN_DESCRIPTION:
        ctx.reply(SHORT)
        return True
    _submit(ctx, drafts, draft, body)
    return True


def _done(ctx: Context, drafts: SmsDrafts, draft: SmsDraft) -> Feedback | None:
    """The feedback another message already made of ``draft``, if any."""
    owner = drafts.claimed_by(ctx.phone, draft.code)
    if owner is None or owner == ctx.msg.id:
        return None
    return ctx.session.scalar(select(Feedback).join(
        InboundMessage, InboundMessage.feedback_id == Feedback.id).where(
        InboundMessage.id == owner))


def _submit(ctx: Context, drafts: SmsDrafts, draft: SmsDraft, body: str) -> None:
    owner = drafts.claim(ctx.phone, draft.code, ctx.msg.id)
    if owner != ctx.msg.id:
        done = _done(ctx, drafts, draft)
        if done is not None:
            ctx.reply(ALREADY, ref=done.reference)
        else:
            ctx.reply(BUSY)
        return
    try:
        feedback = services.submit_feedback(ctx.session, services.Submission(
            kind=draft.kind, channel="sms", institution_code=draft.institution,
            description=body[:services.MAX_DESCRIPTION], phone=ctx.phone,
            anonymous=draft.anonymous, language=draft.lang), now=ctx.now)
    except MrejeshoError:
        drafts.release(ctx.phone, draft.code, ctx.msg.id)
        raise
    ctx.msg.feedback_id = feedback.id
    ctx.msg.command = "draft"


__all__ = ["complete_draft"]
