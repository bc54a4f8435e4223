"""CSV and XLSX export of the filtered inbox, safe to open in a spreadsheet.

Both are made of the same rows (:func:`row`): the inbox's filters, Dar es Salaam
times, and anonymous submitters as "anonymous" (no number, no name); internal
notes are never exported. A cell that starts with ``= + - @`` (or a tab/return)
is prefixed with a quote so that Excel or LibreOffice shows it as text instead
of running it as a formula (openpyxl would otherwise write it as one).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from flask import Response
from openpyxl import Workbook
from sqlalchemy.orm import Session, sessionmaker

from core import queries
from core.localtime import local_text
from core.models import Feedback, Officer

TIME = "%Y-%m-%dT%H:%M:%S%z"  # ISO 8601 in Dar es Salaam time: +0300
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
HEADER = ["reference", "created_at", "kind", "channel", "institution", "status", "due_at",
          "submitter", "phone", "description", "answer", "rating"]


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def row(f: Feedback) -> list[str]:
    phone = None if f.anonymous else f.submitter_phone
    values: list[object] = [
        f.reference, local_text(f.created_at, TIME), f.kind, f.channel, f.institution.code,
        f.status, local_text(f.due_at, TIME), f.submitter_label(), phone,
        f.description, f.answer, f.rating]
    return [safe_cell(v) for v in values]


def lines(sessionmaker: sessionmaker[Session], officer_id: int,
          flt: queries.InboxFilter) -> Iterator[str]:
    """The CSV in chunks, from its own session: the response outlives the request's."""
    with sessionmaker() as session:
        officer = session.get(Officer, officer_id)
        if officer is None:
            return
        yield from _write(session, officer, flt)


def _write(session: Session, officer: Officer, flt: queries.InboxFilter) -> Iterator[str]:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(HEADER)
    for f in queries.iter_filtered(session, officer, flt):
        writer.writerow(row(f))
        if buf.tell() > 64_000:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


def csv_response(sessionmaker: sessionmaker[Session], officer: Officer,
                 flt: queries.InboxFilter) -> Response:
    return Response(lines(sessionmaker, officer.id, flt), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=mrejesho.csv"})


def xlsx_response(session: Session, officer: Officer, flt: queries.InboxFilter) -> Response:
    """The same rows as the CSV in one sheet, built in memory (write-only mode)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("mrejesho")
    sheet.append(HEADER)
    for f in queries.iter_filtered(session, officer, flt):
        sheet.append(row(f))
    buf = io.BytesIO()
    book.save(buf)
    return Response(buf.getvalue(), mimetype=XLSX, headers={
        "Content-Disposition": "attachment; filename=mrejesho.xlsx"})


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
