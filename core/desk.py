"""The officer's desk: assigning feedback, taking it in hand, internal notes, moving a due date.

Who may hold a feedback: an active officer of an institution that handles it now
(where it is, the appeal institution while appealed, the parent while escalated).
Whoever has the feedback in scope may assign it; a transfer clears the holder,
since the new institution decides who works on it.

Notes live in their own table (``FeedbackNote``), never in an Event's data, so
nothing that shows a history outside the admin can carry one.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import gsm
from core.errors import InvalidFeedback, NotAllowed
from core.events import EventKind, record
from core.i18n import translator
from core.localtime import LOCAL, local_date
from core.models import Feedback, FeedbackNote, Officer, utcnow
from core.notify import queue_sms
from core.scope import check_scope
from core.services import MAX_NOTE, _clean_text, start_feedback
from core.status import OPEN_STATUSES, Status

MAX_REASON_SMS = 70  # septets of the officer's reason the citizen's SMS carries


def handling_institution_ids(feedback: Feedback) -> set[int]:
    """The institutions whose officers may hold ``feedback`` now."""
    ids = {feedback.institution_id}
    if feedback.status == Status.APPEALED and feedback.appeal_institution_id:
        ids.add(feedback.appeal_institution_id)
    if feedback.escalated and feedback.institution.parent_id:
        ids.add(feedback.institution.parent_id)
    return ids


def _check_open(feedback: Feedback) -> None:
    if Status(feedback.status) not in OPEN_STATUSES:
        raise NotAllowed(f"feedback that is {feedback.status} is not open work")


def assign_feedback(session: Session, feedback: Feedback, actor: Officer,
                    assignee: Officer | None, now: datetime | None = None) -> bool:
    """Give ``feedback`` to ``assignee`` (``None``: release it); False when nothing changed."""
    now = now or utcnow()
    check_scope(session, actor, feedback)
    _check_open(feedback)
    if assignee is not None and (not assignee.active or assignee.institution_id
                                 not in handling_institution_ids(feedback)):
        raise NotAllowed("only an active officer of the handling institution may hold it")
    previous = feedback.assigned_to
    if (previous.id if previous else None) == (assignee.id if assignee else None):
        return False
    feedback.assigned_to_id = assignee.id if assignee else None
    feedback.assigned_to = assignee
    feedback.assigned_at = now if assignee else None
    kind = EventKind.ASSIGNED if assignee else EventKind.UNASSIGNED
    record(session, feedback, kind, actor, now,
           to=assignee.id if assignee else None, to_name=assignee.name if assignee else None,
           previous=previous.id if previous else None,
           previous_name=previous.name if previous else None)
    session.flush()
    return True


def take_feedback(session: Session, feedback: Feedback, officer: Officer,
                  now: datetime | None = None) -> None:
    """The officer takes it for themselves and, if nobody has yet, starts work on it."""
    now = now or utcnow()
    assign_feedback(session, feedback, officer, officer, now)
    if feedback.status == Status.RECEIVED:
        start_feedback(session, feedback, officer, now)


def find_assignee(session: Session, officer_id: int | None) -> Officer | None:
    return session.get(Officer, officer_id) if officer_id else None


def colleagues(session: Session, feedback: Feedback) -> list[Officer]:
    """Who could hold ``feedback``: the handling institutions' active officers, by name."""
    return list(session.scalars(select(Officer).where(
        Officer.institution_id.in_(handling_institution_ids(feedback)),
        Officer.active.is_(True)).order_by(Officer.name)))


def add_note(session: Session, feedback: Feedback, officer: Officer, text: str,
             now: datetime | None = None) -> FeedbackNote:
    """An internal note; the history records that one was written, never its words."""
    now = now or utcnow()
    check_scope(session, officer, feedback)
    note = FeedbackNote(feedback_id=feedback.id, officer_id=officer.id,
                        institution_id=officer.institution_id,
                        text=_clean_text(text, "note", 2, MAX_NOTE), created_at=now)
    session.add(note)
    session.flush()
    record(session, feedback, EventKind.NOTE_ADDED, officer, now, note=note.id)
    session.flush()
    return note


def notes_for(session: Session, feedback: Feedback, officer: Officer) -> list[FeedbackNote]:
    """The notes ``officer`` may read: those of feedback in their scope (404 otherwise)."""
    check_scope(session, officer, feedback)
    return list(session.scalars(select(FeedbackNote).where(
        FeedbackNote.feedback_id == feedback.id).order_by(FeedbackNote.id)))


def move_due_date(session: Session, feedback: Feedback, officer: Officer, new_day: date,
                  reason: str, now: datetime | None = None) -> None:
    """Move an open feedback's due date to the end of ``new_day``, and tell the citizen why."""
    now = now or utcnow()
    check_scope(session, officer, feedback)
    _check_open(feedback)
    clean = _clean_text(reason, "reason", 3, MAX_NOTE)
    due = datetime.combine(new_day, time(23, 59), LOCAL)
    if due <= now:
        raise InvalidFeedback("the new due date is not in the future")
    previous, feedback.due_at = feedback.due_at, due
    feedback.updated_at = now
    record(session, feedback, EventKind.DUE_CHANGED, officer, now, reason=clean,
           previous=previous.isoformat() if previous else None, to=due.isoformat())
    if feedback.submitter_phone:
        t = translator(feedback.language)
        queue_sms(session, phone=feedback.submitter_phone, feedback=feedback, purpose="due_changed",
                  text=t._("Ref %(ref)s: %(inst)s will now answer by %(due)s. Reason: %(reason)s",
                           ref=feedback.reference, inst=feedback.institution.short_name(t.locale),
                           due=local_date(due), reason=_short(clean, MAX_REASON_SMS)))
    session.flush()


def _short(text: str, room: int) -> str:
    """``text`` in GSM-7, cut at a word to at most ``room`` septets."""
    text = gsm.to_gsm7(text)
    if gsm.septets(text) <= room:
        return text
    cut = text[:room - 3]
    while gsm.septets(cut) > room - 3:
        cut = cut[:-1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(" ,.;:") + "..."
