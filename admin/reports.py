"""Kept reports for the leaders of each scope: a list, a printable page, PDF and XLSX.

A report is read by officers whose scope holds the report's scope (oversight:
all, the national one included); any other id is not found.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template

from admin import auth
from core import report_files, reports
from core.i18n import translator
from core.models import Report
from core.scope import visible_institution_ids
from infra.db import session

TYPES = {"pdf": "application/pdf",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _visible() -> set[int] | None:
    return visible_institution_ids(session(), auth.me())


def _report(report_id: int) -> Report:
    report = session().get(Report, report_id)
    ids = _visible()
    if report is None or (ids is not None and report.scope_id not in ids):
        abort(404)
    return report


def listing() -> str:
    return render_template("admin/reports.html", reports=reports.visible_reports(
        session(), _visible()), title=report_files.title, t=translator(auth.me().language))


def show(report_id: int) -> str:
    report = _report(report_id)
    t = translator(auth.me().language)
    return render_template("admin/report.html", report=report,
                           heading=report_files.title(report.data, t),
                           sections=report_files.sections(report.data, t))


def download(report_id: int, fmt: str) -> Response:
    report = _report(report_id)
    render = report_files.pdf if fmt == "pdf" else report_files.xlsx
    name = f"mrejesho-{report.data['label']}-{report.scope_id or 'national'}.{fmt}"
    return Response(render(report.data, auth.me().language), mimetype=TYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/reports", "reports", auth.login_required(listing))
    bp.add_url_rule("/reports/<int(max=2147483647):report_id>", "report", auth.login_required(show))
    for fmt in TYPES:
        bp.add_url_rule(f"/reports/<int(max=2147483647):report_id>.{fmt}", f"report_{fmt}",
                        auth.login_required(lambda report_id, fmt=fmt: download(report_id, fmt)))
