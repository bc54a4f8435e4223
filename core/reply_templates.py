"""Saved reply templates: an institution's officers write them once and pick them to answer.

Why in core: which templates a feedback may be answered with is a rule of scope
(only those of the institution holding it, or the one it was appealed to), and
a channel that forgot it would let one institution read another's words. The
answer itself still goes through :func:`core.services.answer_feedback`.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import Feedback, Officer, ReplyTemplate

MAX_TEMPLATES = 200


def institution_templates(session: Session, institution_id: int) -> list[ReplyTemplate]:
    """The templates of one institution, by title: what its officers manage."""
    return list(session.scalars(select(ReplyTemplate).where(
        ReplyTemplate.institution_id == institution_id).order_by(ReplyTemplate.title)))


def templates_for(session: Session, feedback: Feedback) -> list[ReplyTemplate]:
    """The templates ``feedback`` may be answered with: its institution's and its appeal's."""
    places = {feedback.institution_id, feedback.appeal_institution_id}
    return list(session.scalars(select(ReplyTemplate).where(
        ReplyTemplate.institution_id.in_([p for p in places if p is not None]))
        .order_by(ReplyTemplate.title).limit(MAX_TEMPLATES)))


def template_text(session: Session, feedback: Feedback, template_id: str | None) -> str:
    """The text of the chosen template, if it belongs to this feedback's institution."""
    for t in templates_for(session, feedback):
        if str(t.id) == (template_id or ""):
            return t.text
    return ""


def add_template(session: Session, officer: Officer, title: str, text: str) -> ReplyTemplate:
    """Save a template for the officer's institution, its words on single spaces."""
    template = ReplyTemplate(institution_id=officer.institution_id, title=" ".join(title.split()),
                             text=" ".join(text.split()), created_by_id=officer.id)
    session.add(template)
    session.flush()
    return template
