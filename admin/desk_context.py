"""What the feedback page shows of the desk: holder, notes, history, transfer picker.

Apart from the desk's views (admin.desk) because the feedback page (admin.actions)
renders it and those views go through admin.actions.
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms.fields.choices import SelectChoice

from admin import history, picker
from admin.forms import AssignForm, DueForm, LinkForm, NoteForm, TopicChoiceForm
from core import desk, duplicates, topics
from core.i18n import translator
from core.localtime import days_between
from core.models import Event, Feedback, Officer, utcnow


def context(s: Session, feedback: Feedback, officer: Officer,
            forms: dict[str, FlaskForm]) -> dict[str, Any]:
    """What the feedback page shows of the desk: holder, notes, history, transfer picker."""
    t = translator(officer.language)
    assign = forms.get("assign") or AssignForm()
    assign.officer.choices = [SelectChoice("", "-")] + [
        SelectChoice(str(o.id), o.name) for o in desk.colleagues(s, feedback)]
    assign.officer.data = assign.officer.data or str(feedback.assigned_to_id or "")
    to_q = " ".join((request.args.get("to_q") or "").split())[:60]
    return {
        "history": history.lines(s, list(s.scalars(select(Event).where(  # with this view
            Event.feedback_id == feedback.id).order_by(Event.id))), t),
        "notes": desk.notes_for(s, feedback, officer),
        "assign_form": assign, "note_form": forms.get("note") or NoteForm(),
        "due_form": forms.get("due") or DueForm(),
        "picker": picker.groups(s, t.locale, to_q, feedback.institution_id), "to_q": to_q,
        "KIND_LABELS": picker.KIND_LABELS, "PURPOSES": history.PURPOSES,
        "held_days": _held_days(feedback),
        "topic_form": _topic_form(s, feedback, t.locale, forms),
        "possible_duplicates": duplicates.possible_duplicates(s, feedback),
        "linked": duplicates.duplicates_of(s, feedback), "link_form": LinkForm(),
    }


def _topic_form(s: Session, feedback: Feedback, locale: str,
                forms: dict[str, FlaskForm]) -> FlaskForm:
    form = forms.get("topic") or TopicChoiceForm()
    form.topic.choices = [SelectChoice("", "-")] + [
        SelectChoice(t.code, t.name(locale)) for t in topics.list_topics(s)]
    form.topic.data = form.topic.data or (feedback.topic.code if feedback.topic else "")
    return form


def _held_days(feedback: Feedback) -> int | None:
    if feedback.assigned_at is None:
        return None
    return days_between(feedback.assigned_at, utcnow())


