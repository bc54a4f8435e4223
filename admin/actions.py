"""The feedback page, its actions, and walk-in entry: one core service per POST.

A refused action (a core error) is rolled back and the same page is shown
again with the reason; nothing of the attempt is kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from admin import auth, desk_context, picker
from admin.forms import ActionForm, AnswerForm, RejectForm, TransferForm, WalkInForm, refusal
from core import duplicates, gsm, labels, rights, services
from core.errors import InvalidReference, MrejeshoError, UnknownFeedback
from core.i18n import N_, translator
from core.models import Feedback, Institution, OutboundMessage
from core.permits import allowed_actions
from core.reply_templates import template_text, templates_for
from core.scope import check_scope, in_scope
from core.status import Kind
from infra.db import session

ERRORS = {
    "invalid_input": N_("The input was refused."),
    "invalid_phone": N_("That is not a Tanzanian phone number."),
    "invalid_feedback": N_("The text was refused: too short, too long, or not allowed here."),
    "unknown_institution": N_("No such institution."),
    "not_allowed": N_("You may not do this."),
    "illegal_transition": N_("This feedback cannot take that step in its status."),
}
HIDDEN_WHEN_ANONYMOUS = ("phone", "name", "submitter")


def back(referrer: str | None) -> Response:
    """Back to the page the officer came from, only if it is an admin page on this site."""
    parts = urlsplit(referrer or "")
    target = parts.path if parts.path.startswith("/admin") else url_for("admin.inbox")
    return redirect(target + (f"?{parts.query}" if parts.query else ""), 303)


def load(ref: str) -> Feedback:
    """The feedback at ``ref`` in the officer's scope, else 404 (same for any bad ref)."""
    try:
        feedback = services.find_feedback(session(), ref[:40])
        check_scope(session(), auth.me(), feedback)
    except (InvalidReference, UnknownFeedback):
        abort(404)
    return feedback


def error_text(exc: MrejeshoError) -> str:
    """The refusal in the officer's language: the core's English detail stays in the logs."""
    t = translator(auth.me().language)
    return t._(ERRORS.get(exc.code, N_("The action was refused.")))


def page(feedback: Feedback, error: str | None = None, status: int = 200,
         **forms: FlaskForm) -> tuple[str, int]:
    s = session()
    messages = list(s.scalars(select(OutboundMessage).where(
        OutboundMessage.feedback_id == feedback.id).order_by(OutboundMessage.id)))
    answer = forms.get("answer") or AnswerForm()
    answer.template.choices = [SelectChoice("", "-")] + [
        SelectChoice(str(t.id), t.title) for t in templates_for(s, feedback)]
    transfer = forms.get("transfer") or TransferForm()
    return render_template(
        "admin/feedback.html", f=feedback, messages=messages, error=error,
        allowed=allowed_actions(s, feedback, auth.me()), sms=answer_counter(feedback, answer),
        answer_form=answer, transfer_form=transfer,
        reject_form=forms.get("reject") or RejectForm(),
        hidden=HIDDEN_WHEN_ANONYMOUS if feedback.anonymous else (),
        **desk_context.context(s, feedback, auth.me(), forms)), status


def answer_counter(feedback: Feedback, form: FlaskForm) -> dict[str, Any]:
    """What the answer form's live SMS count needs, and the server's own count of any text.

    The alphabet and the fold table come from core.gsm, the SMS around the answer from
    core.rights, so the page counts as the core does; the core still decides on POST.
    """
    lang, ref = feedback.language, feedback.reference
    wrapper = rights.answer_sms(lang, ref, "")
    text = rights.clean_words(form.text.data) if form.text.data else ""
    encoding, parts = rights.answer_cost(lang, ref, text) if text else ("GSM-7", 0)
    return {"wrapper_septets": gsm.septets(wrapper), "wrapper_chars": len(wrapper),
            "max": rights.MAX_ANSWER_SEGMENTS, "basic": "".join(sorted(gsm.BASIC)),
            "ext": "".join(sorted(gsm.EXTENSION)), "fold": gsm.FOLD_TABLE,
            "room": rights.MAX_ANSWER_SEGMENTS * gsm.CONCATENATED - gsm.septets(wrapper),
            "parts": parts, "encoding": encoding}


def show(ref: str) -> tuple[str, int]:
    feedback = load(ref)
    services.view_feedback(session(), feedback, auth.me())
    session().commit()
    return page(feedback)


def act(ref: str, form: FlaskForm, name: str, call: Callable[[Feedback], object],
         done: str) -> Response | tuple[str, int]:
    """Validate the form (a bad CSRF token is 400), run the service, commit or explain.

    ``done`` is the msgid flashed after it worked; ``%(inst)s`` in it names where
    the feedback is now. Transferred out of scope, the officer lands on the inbox.
    """
    feedback = load(ref)
    if not form.validate_on_submit():
        return page(feedback, refusal(form, auth.me().language), 400, **{name: form})
    try:
        call(feedback)
    except MrejeshoError as exc:
        session().rollback()
        return page(load(ref), error_text(exc), 409, **{name: form})
    session().commit()
    t = translator(auth.me().language)
    flash(t._(done, ref=feedback.reference, inst=feedback.institution.name(t.locale)), "ok")
    if not in_scope(session(), auth.me(), feedback):  # transferred away: back to the inbox
        return redirect(url_for("admin.inbox"), 303)
    return redirect(url_for("admin.feedback", ref=feedback.reference), 303)


def start(ref: str) -> Any:
    return act(ref, ActionForm(), "start",
                lambda f: services.start_feedback(session(), f, auth.me()),
                N_("Work started on %(ref)s."))


def answer(ref: str) -> Any:
    form = AnswerForm()
    return act(ref, form, "answer", lambda f: duplicates.answer_with_duplicates(
        session(), f, auth.me(),
        (form.text.data or "").strip() or template_text(session(), f, form.template.data)),
        N_("The answer to %(ref)s is on its way to the citizen."))


def transfer(ref: str) -> Any:
    form = TransferForm()
    return act(ref, form, "transfer", lambda f: services.transfer_feedback(
        session(), f, auth.me(), form.to.data or "", form.note.data or ""),
        N_("Transferred to %(inst)s."))


def reject(ref: str) -> Any:
    form = RejectForm()
    return act(ref, form, "reject", lambda f: services.reject_feedback(
        session(), f, auth.me(), form.reason.data or ""), N_("%(ref)s was rejected."))


def close(ref: str) -> Any:
    return act(ref, ActionForm(), "close",
                lambda f: services.close_feedback(session(), f, auth.me()),
                N_("%(ref)s was closed."))


def walk_in() -> Any:
    """Record feedback for a citizen at the desk; the reference goes by SMS if a number is given."""
    officer = auth.me()
    form = WalkInForm()
    t = translator(officer.language)
    form.kind.choices = [SelectChoice(k.value, t._(labels.label(k.value))) for k in Kind]
    places = sorted(session().scalars(select(Institution)),
                    key=lambda i: picker.fold(i.name(t.locale)))
    form.institution.choices = [SelectChoice(i.code, i.name(t.locale)) for i in places]
    if request.method == "GET":
        form.institution.data = officer.institution.code
        return render_template("admin/walkin.html", form=form, error=None)
    if not form.validate_on_submit():
        return render_template("admin/walkin.html", form=form,
                               error=refusal(form, officer.language)), 400
    sub = services.Submission(
        kind=form.kind.data or "", channel="walk-in", institution_code=form.institution.data or "",
        description=form.description.data or "", phone=(form.phone.data or "").strip() or None,
        name=(form.name.data or "").strip() or None, anonymous=bool(form.anonymous.data),
        language=form.language.data or "sw")
    try:
        feedback = services.submit_feedback(session(), sub, officer=officer)
    except MrejeshoError as exc:
        session().rollback()
        return render_template("admin/walkin.html", form=form, error=error_text(exc)), 409
    session().commit()
    flash(t._("Recorded as %(ref)s.", ref=feedback.reference), "ok")
    return redirect(url_for("admin.feedback", ref=feedback.reference), 303)


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/f/<ref>", "feedback", auth.login_required(show))
    for name, view in (("start", start), ("answer", answer), ("transfer", transfer),
                       ("reject", reject), ("close", close)):
        bp.add_url_rule(f"/f/<ref>/{name}", name, auth.login_required(view), methods=["POST"])
    bp.add_url_rule("/walk-in", "walk_in", auth.login_required(walk_in), methods=["GET", "POST"])
