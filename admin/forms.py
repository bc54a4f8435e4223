"""The admin's forms: Flask-WTF gives each a CSRF token, checked on every POST.

Lengths are bounded here only to refuse absurd input early; the core services
decide what is valid and say why.
"""

from __future__ import annotations

from flask import abort, request
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from core.i18n import N_, translator
from core.services import MAX_DESCRIPTION, MAX_NAME, MAX_NOTE

LANGUAGES = [SelectChoice("sw", "Kiswahili"), SelectChoice("en", "English")]


class LoginForm(FlaskForm):  # type: ignore[misc]  # flask_wtf is untyped
    email = EmailField("email", validators=[DataRequired(), Length(max=200)])
    password = PasswordField("password", validators=[DataRequired(), Length(max=200)])


class ActionForm(FlaskForm):  # type: ignore[misc]  # flask_wtf is untyped
    """A bare action (start, close): only the CSRF token."""


class AnswerForm(FlaskForm):  # type: ignore[misc]  # flask_wtf is untyped
    """Typed text, or else a saved reply of the institution (the service checks the result)."""

    text = TextAreaField("text", validators=[Optional(), Length(max=MAX_NOTE)])
    template = SelectField("template", validate_choice=False, choices=[SelectChoice("", "-")],
                           validators=[Optional(), Length(max=12)])


class TemplateForm(FlaskForm):  # type: ignore[misc]  # flask_wtf is untyped
    title = StringField("title", validators=[DataRequired(), Length(max=120)])
    text = TextAreaField("text", validators=[DataRequired(), Length(max=MAX_NOTE)])


class TransferForm(FlaskForm):  # type: ignore[misc]  # flask_wtf is untyped
    to = SelectField("to", validate_choice=False, validators=[DataRequired(), Length(max=40)])
    note = TextAreaField("note", validators=[DataRequired(), Length(max=MAX_NOTE)])


class RejectForm(FlaskForm):  # type: ignore[misc]  # flask_wtf is untyped
    reason = TextAreaField("reason", validators=[DataRequired(), Length(max=MAX_NOTE)])


class WalkInForm(FlaskForm):  # type: ignore[misc]  # flask_wtf is untyped
    kind = SelectField("kind", validate_choice=False, validators=[DataRequired()])
    institution = SelectField("institution", validate_choice=False,
                              validators=[DataRequired(), Length(max=40)])
    description = TextAreaField("description",
                                validators=[DataRequired(), Length(max=MAX_DESCRIPTION)])
    phone = StringField("phone", validators=[Optional(), Length(max=40)])
    name = StringField("name", validators=[Optional(), Length(max=MAX_NAME)])
    anonymous = BooleanField("anonymous")
    language = SelectField("language", choices=LANGUAGES,
                           default="sw")


class LanguageForm(FlaskForm):  # type: ignore[misc]  # flask_wtf is untyped
    language = SelectField("language", choices=LANGUAGES)


class AssignForm(FlaskForm):  # type: ignore[misc]  # flask_wtf is untyped
    """Give the feedback to a colleague; an empty choice releases it."""

    officer = SelectField("officer", validate_choice=False, validators=[Optional(), Length(max=12)])


class NoteForm(FlaskForm):  # type: ignore[misc]  # flask_wtf is untyped
    text = TextAreaField("text", validators=[DataRequired(), Length(max=MAX_NOTE)])


class DueForm(FlaskForm):  # type: ignore[misc]  # flask_wtf is untyped
    day = DateField("day", validators=[DataRequired()])
    reason = TextAreaField("reason", validators=[DataRequired(), Length(max=MAX_NOTE)])


class TopicChoiceForm(FlaskForm):  # type: ignore[misc]  # flask_wtf is untyped
    """The feedback's topic; empty for none."""

    topic = SelectField("topic", validate_choice=False, validators=[Optional(), Length(max=32)])


class LinkForm(FlaskForm):  # type: ignore[misc]  # flask_wtf is untyped
    original = StringField("original", validators=[DataRequired(), Length(max=20)])


class TopicForm(FlaskForm):  # type: ignore[misc]  # flask_wtf is untyped
    code = StringField("code", validators=[DataRequired(), Length(max=32)])
    name_sw = StringField("name_sw", validators=[DataRequired(), Length(max=80)])
    name_en = StringField("name_en", validators=[DataRequired(), Length(max=80)])
    active = BooleanField("active", default=True)


def refusal(form: FlaskForm, lang: str) -> str:
    """Why a form that did not validate was refused, in the officer's language.

    A missing or bad CSRF token is a bare 400 (a stale or forged post, not an
    officer's slip); anything else asks the officer to fill the form in.
    """
    if "csrf_token" in form.errors or not request.form.get("csrf_token"):
        abort(400)
    return translator(lang)._(N_("Please fill in the form."))
