"""Saved reply templates per institution: the officer's own institution's list, and adding one.

The rules (which templates a feedback may use, how one is saved) are
:mod:`core.reply_templates`'; this page only shows and posts them.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for

from admin import auth
from admin.forms import TemplateForm, refusal
from core.i18n import translator
from core.reply_templates import add_template, institution_templates
from infra.db import session


def templates() -> Any:
    officer = auth.me()
    form = TemplateForm()
    rows = institution_templates(session(), officer.institution_id)
    error = None
    if form.is_submitted():
        if not form.validate():
            error = refusal(form, officer.language)
        else:
            add_template(session(), officer, form.title.data, form.text.data)
            session().commit()
            flash(translator(officer.language)._("Reply saved."), "ok")
            return redirect(url_for("admin.templates"), 303)
    return render_template("admin/templates.html", rows=rows, form=form,
                           error=error), 400 if error else 200


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/templates", "templates", auth.login_required(templates),
                    methods=["GET", "POST"])
