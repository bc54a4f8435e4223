"""Officer login: Flask-Login sessions, werkzeug password hashes, a guess throttle.

Wrong guesses are slowed down (core.login_throttle), never turned into a lockout
an attacker could aim at a real officer. Every answer costs one password hash,
for unknown accounts too, and an unknown account gets the same message as a
wrong password, so the form does not tell who exists. A session names the
officer and the ``session_version`` it was opened under: logout, a password
change and disabling the account bump it, which ends every session of that
officer on every host at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import flask_login
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from werkzeug.wrappers import Response

from admin.forms import ActionForm, LoginForm
from core.login_throttle import LoginThrottle, attempt_login
from core.models import Officer
from core.officers import end_sessions
from infra import kv
from infra.db import session

View = TypeVar("View", bound=Callable[..., Any])


class OfficerUser(UserMixin):  # type: ignore[misc]  # flask_login is untyped
    """What Flask-Login keeps: the officer's id and session version; the row is read once
    per request."""

    def __init__(self, officer: Officer) -> None:
        self.officer = officer
        self.id = f"{officer.id}:{officer.session_version or 0}"


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
    """The session's officer, only if still active and the session is of the current version."""
    ident, _, version = user_id.partition(":")
    try:
        officer = session().get(Officer, int(ident))
        current = officer is not None and int(version) == (officer.session_version or 0)
    except ValueError:
        return None
    return OfficerUser(officer) if current and officer is not None and officer.active else None


def me() -> Officer:
    """The logged-in officer (views are behind ``login_required``)."""
    user: Any = current_user
    if not getattr(user, "is_authenticated", False):
        abort(401)
    officer: Officer = user.officer
    return officer


def _throttle() -> LoginThrottle:
    return LoginThrottle(kv.client(), current_app.config["RATELIMIT_KEY_PREFIX"])


def login() -> str | Response | tuple[str, int]:
    form = LoginForm()
    if request.method != "POST":
        return render_template("admin/login.html", form=form, error=False)
    if not form.validate_on_submit():
        return render_template("admin/login.html", form=form, error=True), 400
    attempt = attempt_login(session(), _throttle(), form.email.data or "",
                            form.password.data or "", request.remote_addr or "-")
    if attempt.wait:
        page = render_template("admin/login.html", form=form, wait=attempt.wait)
        return Response(page, 429, headers={"Retry-After": str(attempt.wait)})
    if attempt.officer is None:
        return render_template("admin/login.html", form=form, error=True)
    login_user(OfficerUser(attempt.officer))
    return redirect(url_for("admin.inbox"), 303)


def logout() -> Response:
    """Ends this session and every other of the same officer (a cookie copied before
    logout opens nothing)."""
    if not ActionForm().validate_on_submit():
        abort(400)
    user: Any = current_user
    if getattr(user, "is_authenticated", False):
        end_sessions(user.officer)
        session().commit()
    logout_user()
    return redirect(url_for("admin.login"), 303)
