"""The draft-kept SMS: a USSD session cut off with a draft tells the citizen how to go on.

Why in core: the rule (which purpose, so that an opt-out stops it; which words;
which label names the kind) is the domain's, and the channel that noticed the
cut-off (the aggregator's end-of-session notice) only says whose draft it was.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.i18n import N_, translator
from core.labels import label
from core.models import OutboundMessage
from core.notify import queue_sms

PURPOSE = "draft_kept"  # one of notify.STOPPED_BY_OPT_OUT: the citizen did not ask for it
KEPT = N_("Your %(kind)s draft is kept for 30 minutes. Dial %(code)s, choose 9 then 2 "
          "to continue it.")


def queue_draft_kept(session: Session, phone: str, lang: str, kind: str,
                     service_code: str) -> OutboundMessage | None:
    """Queue the SMS saying the ``kind`` draft waits at ``service_code``; None if opted out."""
    t = translator(lang)
    return queue_sms(session, phone=phone, purpose=PURPOSE,
                     text=t._(KEPT, kind=t._(label(kind)), code=service_code))
