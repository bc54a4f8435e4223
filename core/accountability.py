"""Holding institutions to their service levels: overdue lists, reminders, escalation, closing.

Each function is one scheduled duty over a Session, run by a job that owns
the transaction (``web.schedule``); the backlogs go in batches
(:func:`escalate_batches`, :func:`close_batches`) that the job commits one
by one, so a big backlog never holds one transaction open. They are
idempotent so that a job run twice, or by two schedulers at once, changes
nothing the second time:

- a head is reminded at most once per Tanzanian calendar day (the day's
  ``reminder`` OutboundMessage to their number is the record of it);
- a feedback escalates once (``Feedback.escalated``);
- an answered feedback closes once (the status table refuses a second close).

"Twice its due time" is measured from the moment the clock last started
(submission, or the latest transfer or appeal, each of which set ``due_at``):
a feedback due 7 working days after it arrived escalates when it is still
unanswered as long again after the due date.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session, joinedload, lazyload, object_session

from core import policies, sla
from core.events import EventKind, record
from core.i18n import translator
from core.models import Event, Feedback, Institution, Officer, OutboundMessage, utcnow
from core.notify import queue_sms
from core.overdue import overdue_clause
from core.services import close_feedback
from core.status import Status

# Tanzania keeps East Africa Time all year (no daylight saving), so a fixed offset is exact.
EAT = timezone(timedelta(hours=3), "EAT")
UNANSWERED = (Status.RECEIVED.value, Status.IN_PROGRESS.value)
CLOCK_STARTS = (EventKind.TRANSFERRED.value, EventKind.APPEALED.value)
REMINDER_REFS = 8  # references listed in a reminder SMS: two GSM-7 segments at most
BATCH = 500


def responsible_clause(institution_ids: Sequence[int]) -> ColumnElement[bool]:
    """Feedback an institution must answer: its own, or an appeal that went to it."""
    return or_(and_(Feedback.status.in_(UNANSWERED), Feedback.institution_id.in_(institution_ids)),
               and_(Feedback.status == Status.APPEALED.value,
                    Feedback.appeal_institution_id.in_(institution_ids)))


def escalated_to_clause(institution_id: int) -> ColumnElement[bool]:
    """Unanswered feedback of a child institution that was escalated to this one."""
    children = select(Institution.id).where(Institution.parent_id == institution_id)
    return and_(Feedback.escalated.is_(True), Feedback.status.in_(UNANSWERED),
                Feedback.institution_id.in_(children))


def overdue_feedback(session: Session, institution_id: int,
                     now: datetime | None = None) -> list[Feedback]:
    """The institution's overdue feedback and what was escalated to it, most overdue first."""
    now = now or utcnow()
    return list(session.scalars(
        select(Feedback).where(overdue_clause(now), or_(
            responsible_clause([institution_id]), escalated_to_clause(institution_id)))
        .order_by(Feedback.due_at, Feedback.id)))


def overdue_counts(session: Session, now: datetime | None = None) -> dict[int, int]:
    """Overdue feedback per responsible institution id (appeals count at the appeal's)."""
    now = now or utcnow()
    rows = session.execute(select(Feedback.institution_id, Feedback.appeal_institution_id,
                                  Feedback.status, func.count())
                           .where(overdue_clause(now))
                           .group_by(Feedback.institution_id, Feedback.appeal_institution_id,
                                     Feedback.status))
    counts: dict[int, int] = {}
    for inst_id, appeal_id, status, n in rows:
        key = appeal_id if status == Status.APPEALED.value and appeal_id else inst_id
        counts[key] = counts.get(key, 0) + n
    return counts


def acknowledgement_overdue(feedback: Feedback, now: datetime | None = None,
                            policy: sla.Policy | None = None) -> bool:
    """Still untouched after the acknowledgement due time (for the admin's row flag)."""
    now = now or utcnow()
    policy = policy or policies.of(object_session(feedback)).sla
    return (feedback.status == Status.RECEIVED.value and feedback.acknowledged_at is None
            and sla.acknowledge_due(feedback.created_at, policy) < now)


def local_day(moment: datetime) -> date:
    return moment.astimezone(EAT).date()


def _day_start(moment: datetime) -> datetime:
    day = local_day(moment)
    return datetime(day.year, day.month, day.day, tzinfo=EAT)


@dataclass(frozen=True)
class Reminder:
    officer_id: int
    institution_id: int
    references: tuple[str, ...]


def build_reminder(session: Session, head: Officer, now: datetime | None = None) -> Reminder | None:
    """What a head is reminded of today: their institution's overdue references, or nothing."""
    overdue = overdue_feedback(session, head.institution_id, now)
    if not overdue:
        return None
    return Reminder(head.id, head.institution_id, tuple(f.reference for f in overdue))


def reminder_text(head: Officer, reminder: Reminder) -> str:
    t = translator(head.language)
    shown = " ".join(reminder.references[:REMINDER_REFS])
    more = len(reminder.references) - REMINDER_REFS
    text = t._("Mrejesho: %(count)s overdue feedback at %(inst)s. Refs: %(refs)s",
               count=len(reminder.references), inst=head.institution.short_name(t.locale),
               refs=shown)
    if more > 0:
        text += " " + t._("and %(more)s more.", more=more)
    return text


def _reminded_today(session: Session, phone: str, now: datetime) -> bool:
    return session.scalar(select(OutboundMessage.id).where(
        OutboundMessage.phone == phone, OutboundMessage.purpose == "reminder",
        OutboundMessage.created_at >= _day_start(now)).limit(1)) is not None


def send_reminders(session: Session, now: datetime | None = None) -> list[Reminder]:
    """SMS each active head with a number the list of their institution's overdue feedback.

    Heads without a number see the same list on their dashboard (from ``due_at``);
    a head already reminded today is skipped.
    """
    now = now or utcnow()
    sent: list[Reminder] = []
    heads = session.scalars(select(Officer).where(
        Officer.role == "head", Officer.active.is_(True), Officer.phone.is_not(None))
        .order_by(Officer.id))
    for head in heads:
        assert head.phone is not None
        if _reminded_today(session, head.phone, now):
            continue
        reminder = build_reminder(session, head, now)
        if reminder is None:
            continue
        if queue_sms(session, phone=head.phone, text=reminder_text(head, reminder),
                     purpose="reminder") is not None:
            sent.append(reminder)
    session.flush()
    return sent


def clock_start(feedback: Feedback) -> datetime:
    """When the feedback's current due date started to run."""
    starts = [e.at for e in feedback.events if e.kind in CLOCK_STARTS]
    return max(starts) if starts else feedback.created_at


def escalation_time(feedback: Feedback, start: datetime | None = None) -> datetime | None:
    """Twice the due time after the clock started; ``None`` without a due date."""
    if feedback.due_at is None:
        return None
    start = start or clock_start(feedback)
    return feedback.due_at + (feedback.due_at - start)


def _clock_starts(session: Session, ids: list[int]) -> dict[int, datetime]:
    """The latest transfer or appeal of each feedback in ``ids``, in one query."""
    return dict(session.execute(
        select(Event.feedback_id, func.max(Event.at))
        .where(Event.feedback_id.in_(ids), Event.kind.in_(CLOCK_STARTS))
        .group_by(Event.feedback_id)).all())


def escalate_batch(session: Session, now: datetime, after_id: int = 0,
                   limit: int = BATCH) -> tuple[list[str], int | None]:
    """Escalate what is due among the next ``limit`` candidates after ``after_id``.

    Returns the references escalated and the id to continue after (``None``: done), so a
    job commits batch by batch and a session never holds the whole backlog.
    """
    batch = list(session.scalars(
        select(Feedback).where(Feedback.status.in_(UNANSWERED), Feedback.escalated.is_(False),
                               Feedback.due_at < now, Feedback.id > after_id)
        .options(joinedload(Feedback.institution).joinedload(Institution.parent),
                 lazyload(Feedback.events))
        .order_by(Feedback.id).limit(limit)))
    starts = _clock_starts(session, [f.id for f in batch])
    escalated: list[str] = []
    for feedback in batch:
        at = escalation_time(feedback, starts.get(feedback.id, feedback.created_at))
        if at is not None and at <= now:
            escalate_feedback(session, feedback, now)
            escalated.append(feedback.reference)
    session.flush()
    return escalated, (batch[-1].id if len(batch) == limit else None)


def escalate_feedback(session: Session, feedback: Feedback, now: datetime) -> Institution | None:
    """Hand an overdue feedback up to the parent institution (oversight when there is none)."""
    parent = feedback.institution.parent
    feedback.escalated = True
    record(session, feedback, EventKind.ESCALATED, None, now, **{
        "from": feedback.institution.code, "to": parent.code if parent else None,
        "due_at": feedback.due_at.isoformat() if feedback.due_at else None})
    if feedback.submitter_phone:
        t = translator(feedback.language)
        queue_sms(session, phone=feedback.submitter_phone, feedback=feedback, purpose="escalated",
                  text=t._("Ref %(ref)s is overdue at %(inst)s and has been raised to %(up)s.",
                           ref=feedback.reference,
                           inst=feedback.institution.short_name(t.locale),
                           up=parent.short_name(t.locale) if parent else t._("oversight")))
    return parent


def escalate_batches(session: Session, now: datetime) -> Iterator[list[str]]:
    """Escalate every feedback unanswered at twice its due time, yielding each batch's refs.

    Each batch is flushed before it is yielded: the job commits between batches.
    """
    after: int | None = 0
    while after is not None:
        refs, after = escalate_batch(session, now, after)
        yield refs


def escalate_overdue(session: Session, now: datetime | None = None) -> list[str]:
    """Escalate every feedback unanswered at twice its due time; returns the references."""
    return [ref for refs in escalate_batches(session, now or utcnow()) for ref in refs]


def close_batch(session: Session, now: datetime, policy: sla.Policy | None = None,
                limit: int = BATCH) -> list[str]:
    """Close up to ``limit`` answered feedback whose appeal window has ended.

    The window is counted as ``appeal_feedback`` counts it. Closed rows leave the
    query, so calling again until it returns nothing closes the whole backlog.
    """
    policy = policy or policies.of(session).sla
    cutoff = now - timedelta(days=policy.appeal_window_days)
    rows = list(session.scalars(select(Feedback).where(
        Feedback.status == Status.ANSWERED.value, Feedback.answered_at < cutoff)
        .options(lazyload(Feedback.events)).order_by(Feedback.id).limit(limit)))
    for feedback in rows:
        close_feedback(session, feedback, None, now)
    return [f.reference for f in rows]


def close_batches(session: Session, now: datetime) -> Iterator[list[str]]:
    """Close every answered feedback whose appeal window has ended, yielding each batch's refs.

    Each batch is flushed before it is yielded: the job commits between batches.
    """
    while refs := close_batch(session, now):
        yield refs


def rating_averages(session: Session) -> dict[int, tuple[float, int]]:
    """Average rating and number of ratings per institution id (where the feedback now is)."""
    rows = session.execute(
        select(Feedback.institution_id, func.avg(Feedback.rating), func.count(Feedback.rating))
        .where(Feedback.rating.is_not(None)).group_by(Feedback.institution_id))
    return {inst: (float(avg), int(n)) for inst, avg, n in rows}
