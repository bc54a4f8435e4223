"""The desk's actions on a feedback page (take, assign, note, due date) and the team view.

Each POST is one core.desk service through ``actions._act``: refused, it is
rolled back and explained; done, a message in the officer's language says so.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, render_template, request
from sqlalchemy import select

from admin import actions, auth, history
from admin.forms import ActionForm, AssignForm, DueForm, NoteForm
from core import desk, queue
from core.i18n import N_, translator
from core.models import Event, Feedback, utcnow
from core.scope import SEES_ALL
from infra.db import session


def take(ref: str) -> Any:
    return actions.act(ref, ActionForm(), "take",
                        lambda f: desk.take_feedback(session(), f, auth.me()),
                        N_("You hold %(ref)s now."))


def assign(ref: str) -> Any:
    form = AssignForm()

    def call(f: Feedback) -> None:
        desk.assign_feedback(session(), f, auth.me(),
                             desk.find_assignee(session(), _int(form.officer.data)))
    done = N_("%(ref)s was given to a colleague.") if _int(form.officer.data) else \
        N_("%(ref)s is held by nobody now.")
    return actions.act(ref, form, "assign", call, done)


def _int(raw: str | None) -> int | None:
    text = raw or ""
    return int(text) if text.isdigit() and len(text) < 10 else None


def note(ref: str) -> Any:
    form = NoteForm()
    return actions.act(ref, form, "note",
                        lambda f: desk.add_note(session(), f, auth.me(), form.text.data or ""),
                        N_("Note saved on %(ref)s."))


def due(ref: str) -> Any:
    form = DueForm()
    return actions.act(ref, form, "due", lambda f: desk.move_due_date(
        session(), f, auth.me(), form.day.data, form.reason.data or ""),
        N_("The due date of %(ref)s moved; the citizen is told why."))


def team() -> Any:
    """Who holds what and for how long: for heads and those who see every institution."""
    officer = auth.me()
    if officer.role != "head" and officer.role not in SEES_ALL:
        abort(404)
    return render_template("admin/team.html", holders=queue.holders(session(), officer),
                           now=utcnow())


def printable(ref: str) -> Any:
    """One item and its history on paper: no forms, no notes, nothing private if anonymous."""
    feedback = actions.load(ref)
    t = translator(auth.me().language)
    events = list(session().scalars(select(Event).where(
        Event.feedback_id == feedback.id).order_by(Event.id)))
    return render_template("admin/print.html", f=feedback,
                           history=history.lines(session(), events, t))


def digest() -> Any:
    """Turn one's own daily digest off or back on."""
    officer = auth.me()
    if not ActionForm().validate_on_submit():
        abort(400)
    officer.digest_opt_out = not officer.digest_opt_out
    session().commit()
    t = translator(officer.language)
    flash(t._("The daily digest is off.") if officer.digest_opt_out
          else t._("The daily digest is on."), "ok")
    return actions.back(request.referrer)


def register(bp: Blueprint) -> None:
    for name, view in (("take", take), ("assign", assign), ("note", note), ("due", due)):
        bp.add_url_rule(f"/f/<ref>/{name}", name, auth.login_required(view), methods=["POST"])
    bp.add_url_rule("/team", "team", auth.login_required(team))
    bp.add_url_rule("/f/<ref>/print", "print", auth.login_required(printable))
    bp.add_url_rule("/digest", "digest", auth.login_required(digest), methods=["POST"])
