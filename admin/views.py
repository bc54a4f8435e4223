"""The officer admin blueprint, mounted at ``/admin``: parse, call one core service, render.

Reads go through core.queries (scoped by core.scope); every change goes through
a core.services function, which writes its Event. A refused change is rolled
back and the page says why; feedback out of scope is 404 like a missing one.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, abort, flash, g, render_template, request
from flask_login import current_user
from sqlalchemy import select

from admin import actions, auth, desk, directives, exports, leaders, replies, reports, topics
from admin.forms import ActionForm, LanguageForm
from core import labels, overdue, partners, queries, queue
from core import topics as core_topics
from core.i18n import translator
from core.localtime import days_between, local_text
from core.models import Institution, utcnow
from core.scope import visible_institution_ids
from core.status import SHOWN_ORDER, Channel, Kind, Status, is_open
from infra.db import read_session, read_sessionmaker, session

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates",
               static_folder="static")


def init_app(app: Flask) -> None:
    if not (app.testing or app.debug or app.config.get("EMBEDDED")):
        # Production serves over HTTPS: the session cookie never travels in clear.
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
    auth.init_login(app, bp)
    app.register_blueprint(bp)


@bp.context_processor
def _i18n() -> dict[str, Any]:
    """``_`` in templates speaks the officer's language (Swahili before login)."""
    me = getattr(current_user, "officer", None)
    t = translator(getattr(me, "language", None) or request.cookies.get("lang"))
    return {"_": t._, "L": lambda value: t._(labels.label(value)), "now": utcnow(),
            "nav": queue.nav_counts(session(), me) if me is not None else None,
            "CAP": queue.CAP, "local": local_text, "days_between": days_between,
            "locale": t.locale, "me": getattr(current_user, "officer", None),
            "action_form": ActionForm(), "STATUSES": [s.value for s in Status],
            "KINDS": [k.value for k in Kind], "CHANNELS": [c.value for c in Channel],
            "SHOWN_ORDER": SHOWN_ORDER, "is_open": is_open, "is_overdue": overdue.is_overdue}


bp.add_url_rule("/login", "login", auth.login, methods=["GET", "POST"])
bp.add_url_rule("/logout", "logout", auth.logout, methods=["POST"])


def institutions_in_scope() -> list[Institution]:
    """The institutions an officer may filter by, cached for the request."""
    if "admin_institutions" not in g:
        officer = auth.me()
        ids = visible_institution_ids(session(), officer)
        stmt = select(Institution).order_by(Institution.name_en)
        if ids is not None:
            stmt = stmt.where(Institution.id.in_(ids))
        g.admin_institutions = list(session().scalars(stmt))
    found: list[Institution] = g.admin_institutions
    return found


@bp.get("/")
@auth.login_required
def inbox() -> str:
    officer = auth.me()
    flt = queries.InboxFilter.from_args(request.args)
    page = queries.inbox_page(session(), officer, flt,
                              queries.decode_cursor(request.args.get("after")))
    args = {k: v for k, v in request.args.items() if k != "after" and v}
    counts = queries.status_counts(session(), visible_institution_ids(session(), officer))
    return render_template("admin/inbox.html", page=page, flt=flt, args=args,
                           institutions=institutions_in_scope(), counts=counts,
                           filtered=queries.any_filter_set(flt))


@bp.get("/dashboard")
@auth.login_required
def dashboard() -> str:
    officer = auth.me()
    board = queries.dashboard(read_session(), officer)
    names = {i.id: i for i in read_session().scalars(select(Institution).where(
        Institution.id.in_([row[0] for row in board.by_institution])))}
    peak = max((n for _, n in board.per_day), default=0)
    by_topic = core_topics.topic_counts(session(), officer)
    return render_template("admin/dashboard.html", board=board, names=names, peak=peak,
                           by_partner=partners.submissions_by_partner(session(), officer),
                           by_topic=by_topic)


@bp.get("/export.csv")
@auth.login_required
def export_csv() -> Any:
    return exports.csv_response(read_sessionmaker(), auth.me(),
                                queries.InboxFilter.from_args(request.args))


@bp.get("/export.xlsx")
@auth.login_required
def export_xlsx() -> Any:
    return exports.xlsx_response(session(), auth.me(), queries.InboxFilter.from_args(request.args))


@bp.post("/language")
@auth.login_required
def language() -> Any:
    form = LanguageForm()
    if not form.validate_on_submit():
        abort(400)
    auth.me().language = "en" if form.language.data == "en" else "sw"
    session().commit()
    flash(translator(auth.me().language)._("The admin now speaks English."), "ok")
    return actions.back(request.referrer)


actions.register(bp)
replies.register(bp)
directives.register(bp)
leaders.register(bp)
reports.register(bp)
desk.register(bp)
topics.register(bp)
