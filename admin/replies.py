"""Saved reply templates per institution: the officer's own institution's list, and adding one.

A template is only ever offered on the answer form of feedback at (or appealed to)
the template's institution, and the answer itself still goes through
``core.services.answer_feedback``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from admin import auth
from admin.forms import TemplateForm
from core.i18n import N_, translator
from core.models import Feedback, ReplyTemplate
from infra.db import session

MAX_TEMPLATES = 200


def for_feedback(s: Session, feedback: Feedback) -> list[ReplyTemplate]:
    places = {feedback.institution_id, feedback.appeal_institution_id}
    return list(s.scalars(select(ReplyTemplate).where(
        ReplyTemplate.institution_id.in_([p for p in places if p is not None]))
        .order_by(ReplyTemplate.title).limit(MAX_TEMPLATES)))


def pick(s: Session, feedback: Feedback, template_id: str | None) -> str:
    """The text of the chosen template, if it belongs to this feedback's institution."""
    for t in for_feedback(s, feedback):
        if str(t.id) == (template_id or ""):
            return t.text
    return ""


def templates() -> Any:
    officer = auth.me()
    form = TemplateForm()
    rows = list(session().scalars(select(ReplyTemplate).where(
        ReplyTemplate.institution_id == officer.institution_id).order_by(ReplyTemplate.title)))
    error = None
    if form.is_submitted():
        if not form.validate():
            if "csrf_token" in form.errors:
                abort(400)
            error = translator(officer.language)._(N_("Please fill in the form."))
        else:
            session().add(ReplyTemplate(
                institution_id=officer.institution_id, title=" ".join(form.title.data.split()),
                text=" ".join(form.text.data.split()), created_by_id=officer.id))
            session().commit()
            flash(translator(officer.language)._("Reply saved."), "ok")
            return redirect(url_for("admin.templates"), 303)
    return render_template("admin/templates.html", rows=rows, form=form,
                           error=error), 400 if error else 200


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/templates", "templates", auth.login_required(templates),
                    methods=["GET", "POST"])
