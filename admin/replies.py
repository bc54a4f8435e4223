"""Saved reply templates per institution: the officer's own institution's list, and adding one.

The rules (which templates a feedback may use, how one is saved) are
:mod:`core.reply_templates`'; this page only shows and posts them.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for

from admin import auth
from admin.forms import TemplateForm
from core.i18n import N_, translator
from core.reply_templates import add_template, institution_templates
from infra.db import session


def templates() -> Any:
    officer = auth.me()
    form = TemplateForm()
    rows = institution_templates(session(), officer.institution_id)
    error = None
    if form.is_submitted():
        if not form.validate():
            if "csrf_token" in form.errors:
                abort(400)
            error = translator(officer.language)._(N_("Please fill in the form."))
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
