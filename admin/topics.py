"""Topics and duplicates on the feedback page, and the administrators' list of topics."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from admin import actions, auth
from admin.forms import LinkForm, TopicChoiceForm, TopicForm, refusal
from core import duplicates, services, topics
from core.errors import InvalidReference, MrejeshoError, UnknownFeedback
from core.i18n import N_, translator
from core.models import Feedback
from core.scope import check_scope
from infra.db import session


def set_topic(ref: str) -> Any:
    form = TopicChoiceForm()
    return actions.act(ref, form, "topic", lambda f: topics.set_topic(
        session(), f, auth.me(), form.topic.data or None), N_("Topic of %(ref)s saved."))


def _original(raw: str) -> Feedback:
    try:
        found = services.find_feedback(session(), raw)
        check_scope(session(), auth.me(), found)
    except (InvalidReference, UnknownFeedback):
        abort(404)
    return found


def link(ref: str) -> Any:
    form = LinkForm()
    return actions.act(ref, form, "link", lambda f: duplicates.link_duplicate(
        session(), f, _original(form.original.data or ""), auth.me()),
        N_("%(ref)s is linked as a duplicate: one answer reaches both citizens."))


def topic_list() -> Response | tuple[str, int]:
    """Administrators add, rename and retire topics; everyone else gets 404."""
    officer = auth.me()
    if officer.role != "admin":
        abort(404)
    form = TopicForm()
    error = None
    if form.is_submitted():
        if not form.validate():
            error = refusal(form, officer.language)
        else:
            try:
                topics.save_topic(session(), officer, form.code.data or "", form.name_sw.data or "",
                                  form.name_en.data or "", bool(form.active.data))
            except MrejeshoError as exc:
                session().rollback()
                error = actions.error_text(exc)
            else:
                session().commit()
                flash(translator(officer.language)._("Topic saved."), "ok")
                return redirect(url_for("admin.topics"), 303)
    rows = topics.list_topics(session(), active_only=False)
    session().commit()  # the defaults, written the first time
    return render_template("admin/topics.html", rows=rows, form=form,
                           error=error), 400 if error else 200


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/f/<ref>/topic", "topic", auth.login_required(set_topic), methods=["POST"])
    bp.add_url_rule("/f/<ref>/link", "link", auth.login_required(link), methods=["POST"])
    bp.add_url_rule("/topics", "topics", auth.login_required(topic_list), methods=["GET", "POST"])
