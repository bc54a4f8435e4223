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
from admin.forms import AssignForm, DueForm, NoteForm
from core import desk
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
        "KIND_LABELS": picker.KIND_LABELS, "held_days": _held_days(feedback),
    }


def _held_days(feedback: Feedback) -> int | None:
    if feedback.assigned_at is None:
        return None
    return days_between(feedback.assigned_at, utcnow())


