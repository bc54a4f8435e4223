"""Officer login: Flask-Login sessions, werkzeug password hashes, and a lockout.

The lockout lives on the Officer row (``failed_logins``/``locked_until``) so it
holds across every web worker and survives Redis being down; web.security's
rate limits are the first, per-address line. A locked or unknown account gets
the same message as a wrong password, so the form does not tell who exists.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar, cast

import flask_login
from flask import Blueprint, Flask, abort, redirect, render_template, request, url_for
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from admin.forms import ActionForm, LoginForm
from core.models import Officer, utcnow
from core.officers import password_matches
from web.db import session

View = TypeVar("View", bound=Callable[..., Any])
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)


class OfficerUser(UserMixin):  # type: ignore[misc]  # flask_login is untyped
    """What Flask-Login keeps: the officer's id; the row is read once per request."""

    def __init__(self, officer: Officer) -> None:
        self.officer = officer
        self.id = str(officer.id)


def login_required(view: View) -> View:
    """flask_login.login_required, typed."""
    return cast(View, flask_login.login_required(view))


def init_login(app: Flask, bp: Blueprint) -> None:
    manager = LoginManager()
    manager.login_view = "admin.login"
    manager.session_protection = "strong"
    manager.login_message = ""
    manager.user_loader(_load)
    manager.init_app(app)


def _load(user_id: str) -> OfficerUser | None:
    try:
        officer = session().get(Officer, int(user_id))
    except ValueError:
        return None
    return OfficerUser(officer) if officer is not None and officer.active else None


def me() -> Officer:
    """The logged-in officer (views are behind ``login_required``)."""
    user: Any = current_user
    if not getattr(user, "is_authenticated", False):
        abort(401)
    officer: Officer = user.officer
    return officer


def login() -> str | Response:
    form = LoginForm()
    error = False
    if request.method == "POST":
        if not form.validate_on_submit():
            return render_template("admin/login.html", form=form, error=True), 400  # type: ignore[return-value]
        officer = check_login(form.email.data or "", form.password.data or "")
        if officer is not None:
            login_user(OfficerUser(officer))
            return redirect(url_for("admin.inbox"), 303)
        error = True
    return render_template("admin/login.html", form=form, error=error)


def check_login(email: str, password: str) -> Officer | None:
    """The officer, or None; counts failures and locks after ``MAX_FAILURES``."""
    s = session()
    now = utcnow()
    officer = s.scalar(select(Officer).where(
        func.lower(Officer.email) == email.strip().lower()[:200]))
    if officer is None or not officer.active:
        return None
    if officer.locked_until is not None and officer.locked_until > now:
        return None
    if not password_matches(officer, password):
        officer.failed_logins = (officer.failed_logins or 0) + 1
        if officer.failed_logins >= MAX_FAILURES:
            officer.locked_until, officer.failed_logins = now + LOCKOUT, 0
        s.commit()
        return None
    officer.failed_logins, officer.locked_until = 0, None
    s.commit()
    return officer


def logout() -> Response:
    if not ActionForm().validate_on_submit():
        abort(400)
    logout_user()
    return redirect(url_for("admin.login"), 303)
