"""Everything that happens to a feedback, as verb_noun functions over a Session.

Each service checks the status table, changes the row, writes its Event and
queues the citizen's SMS; it flushes but never commits: the request or the
job that called it owns the transaction, so a failure leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, lazyload

from core import gsm, sla
from core.errors import (
    InvalidFeedback,
    NotAllowed,
    RateLimited,
    UnknownFeedback,
)
from core.i18n import N_, normalise_locale, translator
from core.institutions import get_institution, submission_target
from core.localtime import local_date
from core.models import Event, Feedback, Officer, OutboundMessage, Subscriber, utcnow
from core.notify import queue_sms
from core.phones import normalise_phone
from core.references import new_reference, parse_reference
from core.scope import check_scope, visible_institution_ids
from core.status import Channel, Kind, Status, check_transition

MIN_DESCRIPTION = 3
MAX_DESCRIPTION = 2000
MAX_NAME = 120
MAX_NOTE = 2000


def _clean_text(text: str | None, what: str, minimum: int = 1,
                maximum: int = MAX_DESCRIPTION) -> str:
    cleaned = " ".join((text or "").split())
    if len(cleaned) < minimum:
        raise InvalidFeedback(f"{what} is too short (at least {minimum} characters)")
    if len(cleaned) > maximum:
        raise InvalidFeedback(f"{what} is too long (at most {maximum} characters)")
    return cleaned


def _event(session: Session, feedback: Feedback, kind: str, officer: Officer | None = None,
           now: datetime | None = None, **data: Any) -> Event:
    ev = Event(feedback_id=feedback.id, kind=kind, at=now or utcnow(),
               officer_id=officer.id if officer else None,
               actor=officer.name if officer else "system", data=data)
    session.add(ev)
    return ev


def _move(session: Session, feedback: Feedback, target: Status, officer: Officer | None,
          now: datetime) -> str:
    previous = feedback.status
    check_transition(previous, target)
    feedback.status = target.value
    feedback.updated_at = now
    return previous


def remember_language(session: Session, phone: str, language: str) -> Subscriber:
    """Create or update the subscriber's language (shared by USSD and SMS)."""
    sub = session.scalar(select(Subscriber).where(Subscriber.phone == phone))
    if sub is None:
        sub = Subscriber(phone=phone, language=normalise_locale(language))
        session.add(sub)
    else:
        sub.language = normalise_locale(language)
    session.flush()
    return sub


def subscriber_language(session: Session, phone: str) -> str:
    lang = session.scalar(select(Subscriber.language).where(Subscriber.phone == phone))
    return lang or "sw"


@dataclass(frozen=True)
class Submission:
    kind: str
    channel: str
    institution_code: str
    description: str
    phone: str | None = None
    name: str | None = None
    anonymous: bool = False
    language: str = "sw"


@dataclass(frozen=True)
class SubmissionLimits:
    """At most ``per_hour`` / ``per_day`` USSD+SMS submissions per number, rolling windows.

    Kept in ``session.info[LIMITS_KEY]`` by the composition root (web.security reads
    ``SUBMISSIONS_PER_HOUR``/``SUBMISSIONS_PER_DAY``); ``None`` switches a window off.
    Walk-in and web entries are made by officers and are never limited.
    """

    per_hour: int | None = 10
    per_day: int | None = 30


LIMITS_KEY = "submission_limits"
DEFAULT_LIMITS = SubmissionLimits()


def check_submission_rate(session: Session, phone: str, now: datetime) -> None:
    """Raise :class:`RateLimited` when ``phone`` has used up a window (ix_feedback_phone)."""
    limits: SubmissionLimits = session.info.get(LIMITS_KEY, DEFAULT_LIMITS)
    windows = [(limit, window) for limit, window in (
        (limits.per_hour, timedelta(hours=1)), (limits.per_day, timedelta(days=1)))
        if limit is not None]
    if not windows:
        return
    sent = session.execute(select(*(
        func.count().filter(Feedback.created_at > now - window) for _, window in windows))
        .where(Feedback.submitter_phone == phone,
               Feedback.created_at > now - max(window for _, window in windows),
               Feedback.channel.in_((Channel.USSD.value, Channel.SMS.value)))).one()
    for (limit, window), count in zip(windows, sent, strict=True):
        if (count or 0) >= limit:
            raise RateLimited(f"{limit} submissions per {window} from one number")


def submit_feedback(session: Session, sub: Submission, now: datetime | None = None,
                    officer: Officer | None = None) -> Feedback:
    """Create a feedback with a fresh reference, its Event and the citizen's SMS."""
    now = now or utcnow()
    try:
        kind, channel = Kind(sub.kind), Channel(sub.channel)
    except ValueError as exc:
        raise InvalidFeedback(str(exc)) from exc
    description = _clean_text(sub.description, "description", MIN_DESCRIPTION)
    phone = normalise_phone(sub.phone) if sub.phone else None
    if phone is None and channel in (Channel.USSD, Channel.SMS):
        raise InvalidFeedback("a USSD or SMS submission needs the sender's number")
    name = _clean_text(sub.name, "name", 1, MAX_NAME) if sub.name and not sub.anonymous else None
    inst = submission_target(session, sub.institution_code)
    if phone is not None and channel in (Channel.USSD, Channel.SMS):
        check_submission_rate(session, phone, now)
    feedback = insert_with_reference(session, {
        "kind": kind.value, "channel": channel.value, "institution_id": inst.id,
        "description": description, "anonymous": sub.anonymous, "submitter_phone": phone,
        "submitter_name": name, "language": normalise_locale(sub.language),
        "status": Status.RECEIVED.value, "created_at": now, "updated_at": now,
        "due_at": sla.answer_due(kind, now)})
    _event(session, feedback, "created", officer, now, channel=channel.value,
           institution=inst.code, anonymous=sub.anonymous)
    if phone:
        t = translator(feedback.language)
        queue_sms(session, phone=phone, feedback=feedback, purpose="reference", text=t._(
            "Thank you. Ref %(ref)s, sent to %(inst)s. To track it, send STATUS %(ref)s",
            ref=feedback.reference, inst=inst.short_name(t.locale)))
    return feedback


def insert_with_reference(session: Session, values: dict[str, Any], attempts: int = 8,
                          draw: Callable[[], str] = new_reference) -> Feedback:
    """Insert a feedback of ``values`` under a fresh random reference; returns it.

    The unique index decides, so two processes drawing the same number at once
    cannot both win: the loser's ``INSERT … ON CONFLICT DO NOTHING`` returns no
    row and it draws again, with no savepoint round trips on the common path.
    """
    dialect_insert = (postgresql_insert if session.get_bind().dialect.name == "postgresql"
                      else sqlite_insert)
    for _ in range(attempts):
        statement = (dialect_insert(Feedback).values(reference=draw(), **values)
                     .on_conflict_do_nothing(index_elements=["reference"])
                     .returning(Feedback).options(lazyload(Feedback.events)))
        feedback = session.scalars(statement).first()  # a new row has no events to load
        if feedback is not None:
            return feedback
    raise RuntimeError("could not draw a free reference number")


def find_feedback(session: Session, reference: str) -> Feedback:
    """The feedback with ``reference``; a mistyped number is refused before the lookup."""
    ref = parse_reference(reference)
    feedback = session.scalar(select(Feedback).where(Feedback.reference == ref))
    if feedback is None:
        raise UnknownFeedback(f"no feedback with reference {ref}")
    return feedback


def view_feedback(session: Session, feedback: Feedback, officer: Officer,
                  now: datetime | None = None) -> None:
    check_scope(session, officer, feedback)
    _event(session, feedback, "viewed", officer, now)
    session.flush()


def start_feedback(session: Session, feedback: Feedback, officer: Officer,
                   now: datetime | None = None) -> None:
    now = now or utcnow()
    check_scope(session, officer, feedback)
    previous = _move(session, feedback, Status.IN_PROGRESS, officer, now)
    feedback.acknowledged_at = feedback.acknowledged_at or now
    _event(session, feedback, "status_changed", officer, now,
           **{"from": previous, "to": Status.IN_PROGRESS.value})
    _interim_reply(session, feedback)
    session.flush()


def _interim_reply(session: Session, feedback: Feedback) -> None:
    """The citizen hears once who is working on it and by when (CPGRAMS' interim reply).

    Not from the triage desk, which only routes: the citizen hears of the transfer,
    then this from the institution that does the work.
    """
    if feedback.institution.kind == "triage":
        return
    if not feedback.submitter_phone or session.scalar(select(OutboundMessage.id).where(
            OutboundMessage.feedback_id == feedback.id,
            OutboundMessage.purpose == "interim").limit(1)) is not None:
        return
    t = translator(feedback.language)
    queue_sms(session, phone=feedback.submitter_phone, feedback=feedback, purpose="interim",
              text=t._("Ref %(ref)s: %(inst)s is working on it and will answer by %(due)s.",
                       ref=feedback.reference, inst=feedback.institution.short_name(t.locale),
                       due=local_date(feedback.due_at)))


def answer_feedback(session: Session, feedback: Feedback, officer: Officer, text: str,
                    now: datetime | None = None) -> None:
    """Answer; an appeal must be answered by someone other than the first answerer."""
    now = now or utcnow()
    check_scope(session, officer, feedback)
    answer = _clean_text(text, "answer", 2, MAX_NOTE)
    appealed = feedback.status == Status.APPEALED
    if appealed:
        _check_appeal_answerer(session, feedback, officer)
    previous = _move(session, feedback, Status.ANSWERED, officer, now)
    feedback.answer, feedback.answered_by_id, feedback.answered_at = answer, officer.id, now
    feedback.first_answered_by_id = feedback.first_answered_by_id or officer.id
    feedback.acknowledged_at = feedback.acknowledged_at or now
    _event(session, feedback, "answered", officer, now, text=answer, appeal=appealed,
           **{"from": previous})
    if feedback.submitter_phone:
        t = translator(feedback.language)
        msgid = N_("Ref %(ref)s answer: %(answer)s To rate it reply %(ref)s and 1-5.")
        room = 2 * gsm.CONCATENATED - gsm.septets(t._(msgid, ref=feedback.reference, answer=""))
        queue_sms(session, phone=feedback.submitter_phone, feedback=feedback, purpose="answer",
                  text=t._(msgid, ref=feedback.reference, answer=_sms_cut(answer, room)))
    session.flush()


def _sms_cut(text: str, room: int) -> str:
    """``text`` in GSM-7 within ``room`` septets, cut at a word and marked '...' if long."""
    text = gsm.to_gsm7(text)
    if gsm.septets(text) <= room:
        return text
    cut = text[:room - 3]
    while gsm.septets(cut) > room - 3:
        cut = cut[:-1]
    return (cut.rsplit(" ", 1)[0] if " " in cut[len(cut) // 2:] else cut).rstrip(" ,.;:") + "..."


def _check_appeal_answerer(session: Session, feedback: Feedback, officer: Officer) -> None:
    """An appeal goes to the parent institution, to someone who did not answer first."""
    if officer.id == feedback.first_answered_by_id:
        raise NotAllowed("an appeal is answered by an officer who did not give the first answer")
    ids = visible_institution_ids(session, officer)
    if ids is not None and feedback.appeal_institution_id not in ids:
        raise NotAllowed("an appeal is answered by the institution it went to")


def transfer_feedback(session: Session, feedback: Feedback, officer: Officer, to_code: str,
                      note: str, now: datetime | None = None) -> None:
    """Move to another institution, back to ``received`` with a fresh transfer due date.

    An escalation belonged to the old institution's lateness: the new one starts a
    clock of its own, and escalates to its own parent if it runs out.
    """
    now = now or utcnow()
    check_scope(session, officer, feedback)
    target = get_institution(session, to_code)
    if target.id == feedback.institution_id:
        raise InvalidFeedback("the feedback is already at that institution")
    clean_note = _clean_text(note, "note", 2, MAX_NOTE)
    previous = _move(session, feedback, Status.RECEIVED, officer, now)
    source = feedback.institution
    feedback.institution_id, feedback.institution = target.id, target
    feedback.due_at = sla.transfer_due(now)
    feedback.assigned_to, feedback.assigned_at = None, None  # the new desk decides
    was_escalated, feedback.escalated = feedback.escalated, False
    _event(session, feedback, "transferred", officer, now, note=clean_note,
           **{"from": source.code, "to": target.code, "from_status": previous},
           **({"was_escalated": True} if was_escalated else {}))
    if feedback.submitter_phone:
        t = translator(feedback.language)
        queue_sms(session, phone=feedback.submitter_phone, feedback=feedback,
                  purpose="transferred", text=t._(
                      "Ref %(ref)s has been sent on to %(inst)s, who will answer it.",
                      ref=feedback.reference, inst=target.short_name(t.locale)))
    session.flush()


def reject_feedback(session: Session, feedback: Feedback, officer: Officer, reason: str,
                    now: datetime | None = None) -> None:
    """Reject spam or abuse; "not our institution" is a transfer, never a rejection."""
    now = now or utcnow()
    check_scope(session, officer, feedback)
    clean = _clean_text(reason, "reason", 3, MAX_NOTE)
    previous = _move(session, feedback, Status.REJECTED, officer, now)
    feedback.reject_reason, feedback.closed_at = clean, now
    _event(session, feedback, "rejected", officer, now, reason=clean, **{"from": previous})
    session.flush()


def close_feedback(session: Session, feedback: Feedback, officer: Officer | None = None,
                   now: datetime | None = None) -> None:
    now = now or utcnow()
    if officer is not None:
        check_scope(session, officer, feedback)
    previous = _move(session, feedback, Status.CLOSED, officer, now)
    feedback.closed_at = now
    _event(session, feedback, "closed", officer, now, **{"from": previous})
    session.flush()


def _check_submitter(feedback: Feedback, phone: str) -> None:
    if not feedback.submitter_phone or normalise_phone(phone) != feedback.submitter_phone:
        raise NotAllowed("only the number that sent the feedback may do this")


def appeal_feedback(session: Session, feedback: Feedback, phone: str, reason: str,
                    now: datetime | None = None,
                    policy: sla.Policy | None = None) -> None:
    """Appeal an answer, from the submitting number, within the appeal window."""
    now = now or utcnow()
    _check_submitter(feedback, phone)
    clean = _clean_text(reason, "reason", MIN_DESCRIPTION, MAX_NOTE)
    if feedback.status != Status.ANSWERED:
        check_transition(feedback.status, Status.APPEALED)
    answered = feedback.answered_at or now
    if now > answered + timedelta(days=(policy or sla.active()).appeal_window_days):
        raise NotAllowed("the appeal window has passed")
    _move(session, feedback, Status.APPEALED, None, now)
    parent = feedback.institution.parent
    feedback.appeal_institution_id = parent.id if parent else feedback.institution_id
    feedback.appeal_reason = clean
    feedback.due_at = sla.answer_due(feedback.kind, now)
    _event(session, feedback, "appealed", None, now, reason=clean,
           to=(parent or feedback.institution).code)
    session.flush()


def answers_awaiting_rating(session: Session, phone: str, limit: int = 2) -> list[Feedback]:
    """The number's answered, unrated feedback, newest answer first (a bare "4" rates one)."""
    return list(session.scalars(select(Feedback).where(
        Feedback.submitter_phone == phone, Feedback.status == Status.ANSWERED.value,
        Feedback.rating.is_(None)).order_by(Feedback.answered_at.desc()).limit(limit)))


def rate_feedback(session: Session, feedback: Feedback, phone: str, rating: int,
                  now: datetime | None = None) -> bool:
    """Record a 1-5 rating of an answer; returns True when an appeal should be offered."""
    _check_submitter(feedback, phone)
    if not 1 <= rating <= 5:
        raise InvalidFeedback("a rating is a number from 1 to 5")
    if feedback.answered_at is None:
        raise NotAllowed("only an answered feedback can be rated")
    feedback.rating = rating
    _event(session, feedback, "rated", None, now, rating=rating)
    session.flush()
    return rating <= 2 and feedback.status == Status.ANSWERED
