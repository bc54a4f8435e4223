"""Directives in the admin: give one on a feedback, report on it, accept it or send it back.

Thin views over :mod:`core.directives`, which decides who may do what; the
feedback page shows its directives through :func:`panel` (a template global),
and ``/admin/directives`` lists what a leader gave and what an institution
was given, overdue first (:func:`core.directives.is_overdue` marks them).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from flask_wtf.csrf import validate_csrf
from werkzeug.wrappers import Response
from wtforms import BooleanField, IntegerField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from admin import auth
from admin.actions import error_text, load
from admin.forms import refusal
from core import directives
from core.accountability import local_day
from core.directives import MAX_DAYS, MAX_TEXT
from core.errors import MrejeshoError, NotFound
from core.models import Directive, Feedback, utcnow
from infra.db import session


class DirectiveForm(FlaskForm):  # type: ignore[misc]  # flask_wtf is untyped
    text = TextAreaField("text", validators=[DataRequired(), Length(max=MAX_TEXT)])
    days = IntegerField("days", default=5,
                        validators=[DataRequired(), NumberRange(min=1, max=MAX_DAYS)])
    to = StringField("to", validators=[Optional(), Length(max=40)])
    share = BooleanField("share")


class ReportForm(FlaskForm):  # type: ignore[misc]  # flask_wtf is untyped
    report = TextAreaField("report", validators=[DataRequired(), Length(max=MAX_TEXT)])


class ReviewForm(FlaskForm):  # type: ignore[misc]  # flask_wtf is untyped
    decision = RadioField("decision", choices=[SelectChoice("accept", "accept"),
                                               SelectChoice("return", "return")],
                          validators=[DataRequired()])
    reason = TextAreaField("reason", validators=[Optional(), Length(max=MAX_TEXT)])


def panel(feedback: Feedback) -> dict[str, Any]:
    """What the feedback page shows of directives, and which forms this officer may use."""
    me = auth.me()
    rows = directives.for_feedback(session(), feedback)
    return {"rows": [(d, directives.may_report(me, d), directives.may_review(me, d))
                     for d in rows],
            "may_issue": directives.may_issue(session(), me, feedback),
            "issue_form": DirectiveForm(formdata=None), "report_form": ReportForm(formdata=None),
            "review_form": ReviewForm(formdata=None), "now": utcnow()}


def flagged(rows: list[Feedback]) -> set[int]:
    """Which of an inbox page's rows carry an open directive (flagged in the list)."""
    return directives.open_directive_feedback_ids(session(), [f.id for f in rows])


def _refused(message: str, status: int) -> tuple[str, int]:
    return render_template("admin/refused.html", message=message,
                           back=request.referrer or url_for("admin.directives")), status


def _run(form: FlaskForm, ref: str, call: Callable[[], object]) -> Response | tuple[str, int]:
    """Validate (a bad CSRF token is 400), run the core service, commit or say why."""
    if not form.validate_on_submit():
        return _refused(refusal(form, auth.me().language), 400)
    try:
        call()
    except MrejeshoError as exc:
        session().rollback()
        return _refused(error_text(exc), 409)
    session().commit()
    return redirect(url_for("admin.feedback", ref=ref) + "#directives", 303)


def issue(ref: str) -> Response | tuple[str, int]:
    feedback, form = load(ref), DirectiveForm()
    return _run(form, feedback.reference, lambda: directives.issue_directive(
        session(), feedback, auth.me(), form.text.data or "", int(form.days.data or 0),
        (form.to.data or "").strip() or None, bool(form.share.data)))


def _directive(directive_id: int) -> Directive:
    """The directive a POST names; a missing or bad CSRF token is refused before any look-up."""
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError:
        abort(400)
    try:
        return directives.get_directive(session(), auth.me(), directive_id)
    except NotFound:
        abort(404)


def report(directive_id: int) -> Response | tuple[str, int]:
    directive, form = _directive(directive_id), ReportForm()
    return _run(form, directive.feedback.reference, lambda: directives.report_directive(
        session(), directive, auth.me(), form.report.data or ""))


def review(directive_id: int) -> Response | tuple[str, int]:
    directive, form = _directive(directive_id), ReviewForm()
    return _run(form, directive.feedback.reference, lambda: directives.review_directive(
        session(), directive, auth.me(), form.decision.data == "accept", form.reason.data or ""))


def listing() -> str:
    given, received = directives.for_officer(session(), auth.me())
    return render_template("admin/directives.html", given=given, received=received,
                           now=utcnow())


def local_date(moment: datetime) -> str:
    """A date as the officer reads it: the day in Tanzania."""
    return local_day(moment).isoformat()


def register(bp: Blueprint) -> None:
    bp.add_app_template_global(panel, "directive_panel")
    bp.add_app_template_global(flagged, "directed_ids")
    bp.add_app_template_global(directives.is_overdue, "directive_overdue")
    bp.add_app_template_filter(local_date, "local_date")
    bp.add_url_rule("/directives", "directives", auth.login_required(listing))
    bp.add_url_rule("/f/<ref>/directive", "issue_directive", auth.login_required(issue),
                    methods=["POST"])
    bp.add_url_rule("/d/<int(max=2147483647):directive_id>/report", "report_directive",
                    auth.login_required(report), methods=["POST"])
    bp.add_url_rule("/d/<int(max=2147483647):directive_id>/review", "review_directive",
                    auth.login_required(review), methods=["POST"])
