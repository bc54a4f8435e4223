"""Effects the menu machine asks for, run against the core in one transaction each.

Each commits on success and rolls back on a domain error, whose ``code`` the
menu renders; infrastructure errors propagate to the hop, which apologises.
The hop hands its number already normalised (``ussd.hop.Hop.number``).
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.directives import citizen_notice
from core.errors import InvalidPhone, MrejeshoError
from core.i18n import DEFAULT_LOCALE, translator
from core.institutions import submission_target
from core.models import Feedback, Subscriber
from core.notify import queue_sms
from core.phones import normalise_phone
from core.services import (
    Submission,
    appeal_feedback,
    find_feedback,
    remember_language,
    submit_feedback,
)
from menus.machine import Outcome
from menus.screens import kind_name
from menus.state import State
from sessions.sms_drafts import SmsDrafts


def phone_key(phone: str) -> str:
    """The number as the core stores it, or as given if it is not a Tanzanian number."""
    try:
        return normalise_phone(phone)
    except InvalidPhone:
        return phone


def other_languages(session: Session) -> dict[str, str]:
    """Every number whose language is not the default, read with the directory snapshot.

    A new session then knows its language without a query; a change made by USSD
    shows at once (cached in Redis), one made by SMS at the next reload.
    """
    rows = session.execute(select(Subscriber.phone, Subscriber.language)
                           .where(Subscriber.language != DEFAULT_LOCALE))
    return {phone: lang for phone, lang in rows}


# Effects that may run twice at once without harm: the database decides (submit, by its
# key) or nothing is written twice (track, language). An appeal waits for the hop lock.
IDEMPOTENT = frozenset({"submit", "track", "language"})


def submission_key(state: State, hop_key: str) -> str | None:
    """The draft's key; for a draft begun before drafts had one, the session's hop."""
    if state.draft is not None and state.draft.key:
        return f"ussd:d:{state.draft.key}"
    if hop_key:
        return "ussd:h:" + hashlib.sha256(hop_key.encode()).hexdigest()[:40]
    return None


def run_effect(session: Session, effect: tuple[str, ...], state: State, phone: str,
               hop_key: str = "", drafts: SmsDrafts | None = None, to: str = "") -> Outcome:
    """Run ``effect`` for ``phone`` (as the core stores it); ``hop_key`` (session id and
    hop) keys a submit whose draft has none."""
    try:
        if effect[0] == "sms_draft":
            assert drafts is not None, "the channel gives the SMS drafts"
            outcome = await_sms(session, drafts, state, phone, to, anonymous=effect[1] == "1")
        else:
            outcome = _run(session, effect, state, phone, hop_key)
    except MrejeshoError as exc:
        session.rollback()
        return Outcome(code=exc.code)
    session.commit()
    return outcome


def _tracked(session: Session, feedback: Feedback, phone: str, lang: str) -> Outcome:
    """Kind, institution, status and date for anyone; the answer, an escalation and a
    leader's directive only for the number that sent it."""
    own = bool(feedback.submitter_phone) and feedback.submitter_phone == phone
    notice = citizen_notice(session, feedback, lang) if own else None
    parent = feedback.institution.parent
    escalated = (parent.code if parent else "-") if own and feedback.escalated else ""
    return Outcome(reference=feedback.reference, kind=feedback.kind,
                   institution=feedback.institution.code, status=feedback.status,
                   date=feedback.created_at.strftime("%d/%m/%Y"),
                   answer=(feedback.answer or "") if own else "", escalated_to=escalated,
                   directive=notice or "")


def await_sms(session: Session, drafts: SmsDrafts, state: State, phone: str, to: str,
              anonymous: bool) -> Outcome:
    """Keep the draft for its description by SMS, and send the prompt a reply completes."""
    d = state.draft
    assert d is not None
    number = normalise_phone(phone)  # not only as the core stores it: one an SMS can reach
    target = submission_target(session, d.institution)  # also checks the code still exists
    draft = drafts.create(number, d.kind, d.institution, anonymous, state.lang)
    t = translator(state.lang)
    queue_sms(session, phone=number, purpose="draft_prompt", text=t._(
        "Mrejesho: reply to this SMS with your description of the %(kind)s to %(inst)s, or "
        "send %(code)s and the text to %(to)s, within 30 minutes.",
        kind=kind_name(state.lang, d.kind).lower(), inst=target.short_name(state.lang),
        code=draft.code, to=to))
    return Outcome(sms_code=draft.code, to=to)


def _run(session: Session, effect: tuple[str, ...], state: State, phone: str,
         hop_key: str) -> Outcome:
    name = effect[0]
    if name == "submit":
        d = state.draft
        assert d is not None
        feedback = submit_feedback(session, Submission(
            kind=d.kind, channel="ussd", institution_code=d.institution,
            description=d.description, phone=phone, name=d.name or None,
            anonymous=d.anonymous, language=state.lang, key=submission_key(state, hop_key),
            to_leader=bool(d.leader)))
        return Outcome(reference=feedback.reference)
    if name == "track":
        return _tracked(session, find_feedback(session, effect[1]), phone, state.lang)
    if name == "appeal":
        feedback = find_feedback(session, effect[1])
        appeal_feedback(session, feedback, phone, effect[2])
        return Outcome(reference=feedback.reference)
    if name == "language":
        remember_language(session, phone, effect[1])
        return Outcome()
    raise ValueError(f"unknown effect {name!r}")
