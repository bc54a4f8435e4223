"""The citizen's rights as predicates: the appeal window, an answer that arrives whole.

Kept apart from the services so that the channels (the admin's answer form, the
USSD and SMS replies) ask the same question the services enforce, and so that
no text is ever cut on its way to or from a citizen.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta

from sqlalchemy.orm import object_session

from core import gsm, policies, sla
from core.errors import InvalidFeedback
from core.i18n import N_, translator
from core.models import Feedback
from core.status import Status

# A long SMS goes out concatenated (the aggregator splits and numbers the parts); eight
# parts, 1224 GSM-7 characters, is the bound this gateway promises to deliver whole.
MAX_ANSWER_SEGMENTS = 8
ANSWER_SMS = N_("Ref %(ref)s answer: %(answer)s To rate it reply %(ref)s and 1-5.")
APPEALED_SMS = N_("Appeal of ref %(ref)s received. It goes to %(inst)s.")


def clean_words(text: str | None) -> str:
    """Spacing evened and control characters (a NUL, a backspace) dropped; nothing else.

    A control character is never part of what a citizen meant, and a NUL is refused
    by PostgreSQL: kept, it would fail the same draft on every try.
    """
    text = text or ""
    if text.isprintable():  # no control character at all (every citizen's text but a few)
        return " ".join(text.split())
    kept = "".join(ch if unicodedata.category(ch) != "Cc" or ch.isspace() else " "
                   for ch in text)
    return " ".join(kept.split())


def appeal_open(feedback: Feedback, now: datetime, policy: sla.Policy | None = None) -> bool:
    """Answered (or closed after its answer) and still within the appeal window.

    An officer's close does not take the window away: only its end does.
    """
    if feedback.status not in (Status.ANSWERED, Status.CLOSED) or feedback.answered_at is None:
        return False
    policy = policy or policies.of(object_session(feedback)).sla
    window = timedelta(days=policy.appeal_window_days)
    return now <= feedback.answered_at + window


def answer_sms(language: str, reference: str, answer: str) -> str:
    """The whole answer in the SMS the citizen gets, typographic marks folded to GSM-7."""
    return translator(language)._(ANSWER_SMS, ref=reference, answer=gsm.fold(answer))


def answer_cost(language: str, reference: str, answer: str) -> tuple[str, int]:
    """The encoding and number of SMS parts the answer's SMS takes (see :func:`gsm.cost`)."""
    return gsm.cost(answer_sms(language, reference, answer))


def wrapper_septets(language: str, reference: str) -> int:
    """What the SMS around the answer costs, for the answer form's live count."""
    return gsm.septets(answer_sms(language, reference, ""))


def check_answer_fits(language: str, reference: str, answer: str) -> None:
    """Refuse an answer that cannot go out whole, saying how many parts it needs and why."""
    encoding, parts = answer_cost(language, reference, answer)
    if parts <= MAX_ANSWER_SEGMENTS:
        return
    why = (" because it has letters outside GSM-7, which make each part 67 characters"
           if encoding == "UCS-2" else "")
    raise InvalidFeedback(f"the answer needs {parts} SMS{why}; at most "
                          f"{MAX_ANSWER_SEGMENTS} can be sent: shorten it")
