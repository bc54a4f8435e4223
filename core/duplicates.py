"""Possible duplicates: the same number to the same institution with similar words, 14 days.

Only between feedback that is not anonymous: suggesting that an anonymous item
came from the number of a named one would tell the officer who sent it. An
officer links a duplicate to its original; answering the original answers every
open duplicate linked to it, so each citizen gets the answer.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from rapidfuzz import fuzz
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import InvalidFeedback
from core.events import EventKind, record
from core.models import Feedback, Officer
from core.scope import check_scope
from core.services import answer_feedback
from core.status import OPEN_STATUSES, Status

WINDOW = timedelta(days=14)
SIMILAR = 70  # rapidfuzz token_set_ratio, 0-100
LIMIT = 5


def possible_duplicates(session: Session, feedback: Feedback) -> list[Feedback]:
    """Other feedback from this number to this institution within 14 days, with similar text."""
    if feedback.anonymous or not feedback.submitter_phone:
        return []
    near = session.scalars(select(Feedback).where(
        Feedback.submitter_phone == feedback.submitter_phone,  # ix_feedback_phone
        Feedback.institution_id == feedback.institution_id, Feedback.id != feedback.id,
        Feedback.anonymous.is_(False),
        Feedback.created_at.between(feedback.created_at - WINDOW, feedback.created_at + WINDOW))
        .order_by(Feedback.created_at).limit(50))
    return [f for f in near if f.duplicate_of_id != feedback.id and feedback.duplicate_of_id != f.id
            and fuzz.token_set_ratio(f.description.lower(), feedback.description.lower())
            >= SIMILAR][:LIMIT]


def link_duplicate(session: Session, feedback: Feedback, original: Feedback, officer: Officer,
                   now: datetime | None = None) -> None:
    """Mark ``feedback`` as a duplicate of ``original`` (both in scope, suggested as such)."""
    check_scope(session, officer, feedback)
    check_scope(session, officer, original)
    if original not in possible_duplicates(session, feedback):
        raise InvalidFeedback("these two are not possible duplicates of each other")
    if original.duplicate_of_id is not None:
        raise InvalidFeedback("link to the original, not to another duplicate")
    feedback.duplicate_of_id = original.id
    record(session, feedback, EventKind.LINKED, officer, now, original=original.reference)
    record(session, original, EventKind.LINKED, officer, now, duplicate=feedback.reference)
    session.flush()


def answer_with_duplicates(session: Session, feedback: Feedback, officer: Officer, text: str,
                           now: datetime | None = None) -> int:
    """Answer ``feedback`` and every open duplicate linked to it; returns how many answered."""
    answer_feedback(session, feedback, officer, text, now)
    count = 1
    for dup in session.scalars(select(Feedback).where(
            Feedback.duplicate_of_id == feedback.id).order_by(Feedback.id)):
        if Status(dup.status) in OPEN_STATUSES:
            answer_feedback(session, dup, officer, text, now)
            count += 1
    return count


def duplicates_of(session: Session, feedback: Feedback) -> list[Feedback]:
    return list(session.scalars(select(Feedback).where(
        Feedback.duplicate_of_id == feedback.id).order_by(Feedback.id)))
