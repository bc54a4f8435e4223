"""Everything that happens to a feedback, as verb_noun functions over a Session.

Each service checks the status table, changes the row, writes its Event and
queues the citizen's SMS; it flushes but never commits: the request or the
job that called it owns the transaction, so a failure leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, func, literal, select
from sqlalchemy.orm import Session, lazyload

from core import clock, policies, sla, whole_insert
from core.answer_time import first_answer
from core.db import PENDING_SMS, WRITTEN_EVENTS
from core.errors import (
    InvalidFeedback,
    NotAllowed,
    RateLimited,
    UnknownFeedback,
)
from core.events import EventKind, entry, record, write
from core.i18n import Translator, normalise_locale, translator
from core.institutions import Target, get_institution, submission_target
from core.kiongozi import check_leader_target
from core.localtime import local_date
from core.models import Feedback, Officer, OutboundMessage, Subscriber, table_of, utcnow
from core.notify import queue_sms
from core.permits import check_action
from core.phones import normalise_phone
from core.references import new_reference, parse_reference
from core.rights import APPEALED_SMS, answer_sms, appeal_open, check_answer_fits, clean_words
from core.scope import check_scope
from core.status import CITIZEN_CHANNELS, OPEN_STATUSES, Channel, Kind, Status, check_transition
from core.subscribers import claim_number, dialect_insert
from core.subscribers import ensure_subscriber as ensure_subscriber  # services too
from core.subscribers import remember_language as remember_language

MIN_DESCRIPTION = 3
MAX_DESCRIPTION = 2000
MAX_NAME = 120
MAX_NOTE = 2000


def _clean_text(text: str | None, what: str, minimum: int = 1,
                maximum: int = MAX_DESCRIPTION) -> str:
    cleaned = clean_words(text)
    if len(cleaned) < minimum:
        raise InvalidFeedback(f"{what} is too short (at least {minimum} characters)")
    if len(cleaned) > maximum:
        raise InvalidFeedback(f"{what} is too long (at most {maximum} characters)")
    return cleaned


def _move(session: Session, feedback: Feedback, target: Status, officer: Officer | None,
          now: datetime) -> str:
    previous = feedback.status
    check_transition(previous, target)
    feedback.status = target.value
    feedback.updated_at = now
    return previous


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
    partner_id: int | None = None  # channel "partner": whose app filed it
    # The channel's idempotency key (a USSD draft's): the same key never makes two records.
    key: str | None = None
    to_leader: bool = False  # Sema na Kiongozi: to a leader's office (core.kiongozi)


def check_submission_rate(session: Session, phone: str, now: datetime) -> None:
    """Raise :class:`RateLimited` when ``phone`` has used up a window (ix_feedback_phone)."""
    windows = _windows(session)
    if windows:
        sent = session.connection().execute(_rate_statement(len(windows)),
                                            _rate_values(windows, phone, now)).one()
        _check_counts(windows, sent)


Windows = list[tuple[int, timedelta]]


def _windows(session: Session) -> Windows:
    """Each limit a number's submissions are held to, with its window."""
    limits = policies.of(session).limits  # core.policies.SubmissionLimits
    return [(limit, window) for limit, window in (
        (limits.per_hour, timedelta(hours=1)), (limits.per_day, timedelta(days=1)))
        if limit is not None]


def _rate_values(windows: Windows, phone: str, now: datetime) -> dict[str, Any]:
    return {"phone": phone, "since": now - max(window for _, window in windows),
            **{f"since{n}": now - window for n, (_, window) in enumerate(windows)}}


def _check_counts(windows: Windows, sent: Sequence[int | None]) -> None:
    for (limit, window), count in zip(windows, sent, strict=True):
        if (count or 0) >= limit:
            raise RateLimited(f"{limit} submissions per {window} from one number")


@lru_cache(maxsize=4)
def _rate_statement(windows: int) -> Any:
    """The number's submissions since each window's start, in one query built once.

    Of the table's columns, run on the connection: through the ORM the count cost
    a submission several times the CPU the database spent on it.
    """
    c = table_of(Feedback).c
    since = [bindparam(f"since{n}", type_=c.created_at.type) for n in range(windows)]
    return select(*(func.count().filter(c.created_at > start).label(f"n{n}")
                    for n, start in enumerate(since))).where(
        c.submitter_phone == bindparam("phone"),
        c.created_at > bindparam("since", type_=c.created_at.type),
        # Each channel its own bound value: an expanding IN is rendered again at every run.
        c.channel.in_([literal(v, c.channel.type) for v in CITIZEN_CHANNELS]))


def submit_feedback(session: Session, sub: Submission, now: datetime | None = None,
                    officer: Officer | None = None) -> Feedback:
    """Create a feedback with a fresh reference, its Event and the citizen's SMS.

    With ``sub.key`` it is idempotent in the database: a key already stored (a
    retry after the worker died past the COMMIT, a redial of the same draft)
    returns that first feedback, and writes and sends nothing more.
    """
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
    if sub.to_leader:
        check_leader_target(inst.kind)
    # A citizen's own number is locked, dated by the database and held to the limits.
    citizen = phone if phone is not None and channel in CITIZEN_CHANNELS else None
    values: dict[str, Any] = {
        "kind": kind.value, "channel": channel.value, "institution_id": inst.id,
        "description": description, "anonymous": sub.anonymous, "submitter_phone": phone,
        "submitter_name": name, "language": normalise_locale(sub.language),
        "status": Status.RECEIVED.value, "partner_id": sub.partner_id,
        "submission_key": sub.key, "to_leader": sub.to_leader}
    detail = {"channel": channel.value, "institution": inst.code, "anonymous": sub.anonymous,
              **({"to_leader": True} if sub.to_leader else {})}
    if citizen is not None and session.get_bind().dialect.name == "postgresql":
        return _submit_whole(session, values, detail, inst, citizen, officer,
                             clock.fixed(session, now))
    if citizen is not None:
        locked_at = claim_number(session, citizen, sub.language)  # always: it is the lock
        now = now or clock.now(session, locked_at)
    now = now or clock.now(session)
    values.update(created_at=now, updated_at=now,
                  due_at=sla.answer_due(kind, now, policies.of(session).sla))
    if citizen is not None:
        try:
            check_submission_rate(session, citizen, now)
        except RateLimited as limited:
            return _replay_or_raise(session, sub.key, limited)
    feedback, fresh = _insert_or_find(session, values)
    if not fresh:
        return feedback
    # Its history goes in one INSERT after the SMS row's, not through a flush at commit.
    history = [entry(feedback.id, EventKind.CREATED, officer, now, **detail)]
    if phone:
        t = translator(feedback.language)
        queue_sms(session, phone=phone, feedback=feedback, purpose="reference", now=now,
                  text=_reference_sms(t, feedback.reference, inst), history=history)
    write(session, history)
    return feedback


def _reference_sms(t: Translator, reference: str, inst: Target) -> str:
    return t._("Thank you. Ref %(ref)s, sent to %(inst)s. To track it, send STATUS %(ref)s",
               ref=reference, inst=inst.short_name(t.locale))


def _submit_whole(session: Session, values: dict[str, Any], detail: dict[str, Any],
                  inst: Target, phone: str, officer: Officer | None, now: datetime | None,
                  attempts: int = 8) -> Feedback:
    """A citizen's submission on PostgreSQL: the number's lock, the rate check, the
    feedback, its reference SMS and its history in one statement
    (:mod:`core.whole_insert`), with the same outcomes as the statements apart.

    Dated ``now``, else by the database. The feedback is not read back: the row is
    what ``values`` and the answer's time say, so it is made persistent as it stands;
    a column the database filled is loaded if it is read.
    """
    windows = _windows(session)
    statement = whole_insert.statement(("reference", *values), len(windows))
    policy = policies.of(session).sla
    created = entry(0, EventKind.CREATED, officer, None, **detail)
    bound = {**values, **_window_values(windows), "phone": phone, "at": now,
             **_due(values["kind"], now or utcnow(), policy),  # the database's day, if it agrees
             "sms_phone": phone, "sms_purpose": "reference",
             "ev_officer_id": created["officer_id"], "ev_actor": created["actor"],
             "ev_data": created["data"]}
    t = translator(values["language"])
    for _ in range(attempts):
        reference = new_reference()
        row = session.connection().execute(statement, {
            **bound, "reference": reference,
            "sms_text": _reference_sms(t, reference, inst)}).one()
        at = clock.as_utc(row.at)
        if not row.on_day:  # the database's day is not the host's: reckon from the database's
            bound.update(at=at, **_due(values["kind"], at, policy))
            continue
        if row.feedback_id is not None:
            break
        try:
            _check_counts(windows, row[:len(windows)])
        except RateLimited as limited:
            return _replay_or_raise(session, values["submission_key"], limited)
        first = _submitted(session, values["submission_key"])
        if first is not None:
            return first
    else:
        raise RuntimeError("could not draw a free reference number")
    times = {"created_at": at, "updated_at": at, "due_at": at + bound["due_after"]}
    feedback = whole_insert.loaded(Feedback, {
        "id": row.feedback_id, "reference": reference, **values, **times,
        **whole_insert.defaults(table_of(Feedback), ("reference", *values, *times))})
    session.add(feedback)
    session.info.setdefault(PENDING_SMS, []).append(row.message_id)
    session.info.setdefault(WRITTEN_EVENTS, []).extend([
        {**created, "feedback_id": feedback.id, "at": at},
        entry(feedback.id, EventKind.SMS_QUEUED, None, at, message_id=row.message_id,
              purpose="reference")])
    return feedback


def _due(kind: str, start: datetime, policy: sla.Policy) -> dict[str, Any]:
    """The due date reckoned from ``start``'s day, as the interval the statement adds to
    its time and the UTC day it holds only on (working days count from the day)."""
    return {"due_after": sla.answer_due(kind, start, policy) - start,
            "on_day": start.astimezone(UTC).date()}


def _window_values(windows: Windows) -> dict[str, Any]:
    """Each window's length and limit, as :func:`core.whole_insert.statement` binds them."""
    return {**{f"window{n}": window for n, (_, window) in enumerate(windows)},
            **{f"limit{n}": limit for n, (limit, _) in enumerate(windows)}}


def _replay_or_raise(session: Session, key: str | None, limited: RateLimited) -> Feedback:
    """The limit never refuses a replay: the first feedback of ``key``, else ``limited``."""
    first = _submitted(session, key)
    if first is None:
        raise limited
    return first


def _submitted(session: Session, key: str | None) -> Feedback | None:
    if key is None:
        return None
    return session.scalar(select(Feedback).where(Feedback.submission_key == key)
                          .options(lazyload(Feedback.events)))


def insert_with_reference(session: Session, values: dict[str, Any], attempts: int = 8,
                          draw: Callable[[], str] = new_reference) -> Feedback:
    """Insert a feedback of ``values`` under a fresh random reference; returns it."""
    return _insert_or_find(session, values, attempts, draw)[0]


def _insert_or_find(session: Session, values: dict[str, Any], attempts: int = 8,
                    draw: Callable[[], str] = new_reference) -> tuple[Feedback, bool]:
    """Insert under a fresh random reference, or find the row with the same key.

    The unique indexes decide, so two processes cannot both win: the loser's
    ``INSERT … ON CONFLICT DO NOTHING`` (waiting, on PostgreSQL, for the
    winner's COMMIT) returns no row; then either the ``submission_key`` is
    taken, and that first row is returned with ``False``, or the reference was,
    and it draws again, with no savepoint round trips on the common path.
    """
    statement = _insert_statement(dialect_insert(session), tuple(values))
    for _ in range(attempts):
        feedback = session.scalars(statement, {**values, "reference": draw()}).first()
        if feedback is not None:
            return feedback, True
        first = _submitted(session, values.get("submission_key"))
        if first is not None:
            return first, False
    raise RuntimeError("could not draw a free reference number")


@lru_cache(maxsize=16)
def _insert_statement(dialect_insert: Callable[..., Any], columns: tuple[str, ...]) -> Any:
    """The feedback INSERT … ON CONFLICT DO NOTHING RETURNING, built once per column set.

    Built per submission it cost more CPU than the database spent running it; only
    the bound values change. A Core INSERT of the table loaded as a Feedback: the
    ORM-enabled INSERT's bulk-insert machinery cost as much again. A new row has
    no events to load.
    """
    table = table_of(Feedback)
    return (select(Feedback).from_statement(
        dialect_insert(table).values({name: bindparam(name) for name in ("reference", *columns)})
        .on_conflict_do_nothing().returning(*table.c)).options(lazyload(Feedback.events)))


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
    record(session, feedback, EventKind.VIEWED, officer, now)
    session.flush()


def start_feedback(session: Session, feedback: Feedback, officer: Officer,
                   now: datetime | None = None) -> None:
    now = now or utcnow()
    check_action(session, "start", feedback, officer)
    previous = _move(session, feedback, Status.IN_PROGRESS, officer, now)
    feedback.acknowledged_at = feedback.acknowledged_at or now
    record(session, feedback, EventKind.STATUS_CHANGED, officer, now,
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
    """Answer, and send the whole answer by SMS (refused if it cannot go out whole).

    An appeal must be answered by someone other than the first answerer.
    """
    now = now or utcnow()
    check_action(session, "answer", feedback, officer)
    answer = _clean_text(text, "answer", 2, MAX_NOTE)
    appealed = feedback.status == Status.APPEALED
    if feedback.submitter_phone:
        check_answer_fits(feedback.language, feedback.reference, answer)
    previous = _move(session, feedback, Status.ANSWERED, officer, now)
    feedback.answer, feedback.answered_by_id, feedback.answered_at = answer, officer.id, now
    if feedback.answer_days is None:  # the first answer's time: the ranking's medians
        feedback.answer_days, feedback.on_time = first_answer(feedback.created_at,
                                                              feedback.due_at, now)
    feedback.first_answered_by_id = feedback.first_answered_by_id or officer.id
    feedback.acknowledged_at = feedback.acknowledged_at or now
    record(session, feedback, EventKind.ANSWERED, officer, now, text=answer, appeal=appealed,
           **{"from": previous})
    if feedback.submitter_phone:  # whole: as many concatenated parts as it needs
        queue_sms(session, phone=feedback.submitter_phone, feedback=feedback, purpose="answer",
                  text=answer_sms(feedback.language, feedback.reference, answer))
    session.flush()


def transfer_feedback(session: Session, feedback: Feedback, officer: Officer, to_code: str,
                      note: str, now: datetime | None = None) -> None:
    """Move to another institution, back to ``received`` with a fresh transfer due date.

    An escalation belonged to the old institution's lateness: the new one starts a
    clock of its own, and escalates to its own parent if it runs out.
    """
    now = now or utcnow()
    check_action(session, "transfer", feedback, officer)
    target = get_institution(session, to_code)
    if target.id == feedback.institution_id:
        raise InvalidFeedback("the feedback is already at that institution")
    clean_note = _clean_text(note, "note", 2, MAX_NOTE)
    previous = _move(session, feedback, Status.RECEIVED, officer, now)
    source = feedback.institution
    feedback.institution_id, feedback.institution = target.id, target
    feedback.due_at = sla.transfer_due(now, policies.of(session).sla)
    feedback.assigned_to, feedback.assigned_at = None, None  # the new desk decides
    was_escalated, feedback.escalated = feedback.escalated, False
    record(session, feedback, EventKind.TRANSFERRED, officer, now, note=clean_note,
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
    check_action(session, "reject", feedback, officer)
    clean = _clean_text(reason, "reason", 3, MAX_NOTE)
    previous = _move(session, feedback, Status.REJECTED, officer, now)
    feedback.reject_reason, feedback.closed_at = clean, now
    record(session, feedback, EventKind.REJECTED, officer, now, reason=clean,
           **{"from": previous})
    session.flush()


def close_feedback(session: Session, feedback: Feedback, officer: Officer | None = None,
                   now: datetime | None = None) -> None:
    """Close an answered feedback; the citizen may still appeal until the window ends."""
    now = now or utcnow()
    if officer is not None:
        check_action(session, "close", feedback, officer)
    previous = _move(session, feedback, Status.CLOSED, officer, now)
    feedback.closed_at = now
    record(session, feedback, EventKind.CLOSED, officer, now, **{"from": previous})
    session.flush()


def _check_submitter(feedback: Feedback, phone: str) -> None:
    if not feedback.submitter_phone or normalise_phone(phone) != feedback.submitter_phone:
        raise NotAllowed("only the number that sent the feedback may do this")


def appeal_feedback(session: Session, feedback: Feedback, phone: str, reason: str,
                    now: datetime | None = None,
                    policy: sla.Policy | None = None) -> None:
    """Appeal an answer, from the submitting number, within the appeal window.

    An officer's close does not end the window; the confirmation SMS goes to the
    citizen whichever channel the appeal came by.
    """
    now, policy = now or utcnow(), policy or policies.of(session).sla
    _check_submitter(feedback, phone)
    clean = _clean_text(reason, "reason", MIN_DESCRIPTION, MAX_NOTE)
    if feedback.status not in (Status.ANSWERED, Status.CLOSED):
        check_transition(feedback.status, Status.APPEALED)
    if not appeal_open(feedback, now, policy):
        raise NotAllowed("the appeal window has passed")
    _move(session, feedback, Status.APPEALED, None, now)
    feedback.closed_at = None
    parent = feedback.institution.parent
    feedback.appeal_institution_id = parent.id if parent else feedback.institution_id
    feedback.appeal_reason = clean
    feedback.due_at = sla.answer_due(feedback.kind, now, policy)
    target = parent or feedback.institution
    record(session, feedback, EventKind.APPEALED, None, now, reason=clean, to=target.code)
    t = translator(feedback.language)
    assert feedback.submitter_phone is not None  # _check_submitter made sure
    queue_sms(session, phone=feedback.submitter_phone, feedback=feedback, purpose="appealed",
              text=t._(APPEALED_SMS, ref=feedback.reference, inst=target.short_name(t.locale)))
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
    record(session, feedback, EventKind.RATED, None, now, rating=rating)
    session.flush()
    return rating <= 2 and appeal_open(feedback, now or utcnow())


def add_to_feedback(session: Session, feedback: Feedback, phone: str, text: str,
                    now: datetime | None = None) -> None:
    """Append the citizen's own further words (``ONGEZA <ref> …``) to an open feedback.

    Only the submitting number may, and only while someone will still read it; the
    words are added whole or refused, never cut.
    """
    now = now or utcnow()
    _check_submitter(feedback, phone)
    if feedback.status not in OPEN_STATUSES:
        raise NotAllowed(f"feedback that is {feedback.status} takes no more text")
    room = MAX_DESCRIPTION - len(feedback.description) - 1
    added = _clean_text(text, "added text", 1, max(room, 0))
    feedback.description = f"{feedback.description} {added}"
    feedback.updated_at = now
    record(session, feedback, EventKind.ADDED, None, now, text=added)
    session.flush()
