"""A kept report (core.reports) as a PDF (ReportLab) and an XLSX workbook (openpyxl).

Both are drawn from the report's stored figures in the reader's language, so a
report kept once reads in Swahili or English; neither can hold anything the
figures do not, and the figures hold nothing private.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from openpyxl import Workbook
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core.i18n import N_, Translator, translator
from core.labels import label

FIGURES = (
    ("received", N_("Received")), ("answered", N_("Answered")),
    ("answered_on_time", N_("Answered on time")), ("on_time_rate", N_("Share on time")),
    ("median_days_to_answer", N_("Median working days")), ("appeals", N_("Appealed")),
    ("rating", N_("Average rating")), ("ratings", N_("Ratings")),
)
RANKING = (("open", N_("Open")), ("overdue", N_("Overdue")),
           ("received_90_days", N_("Received")), ("days_to_answer", N_("Days to answer")),
           ("on_time_share", N_("Share on time")), ("median_days", N_("Median working days")),
           ("rating", N_("Rating")))


def title(data: dict[str, Any], t: Translator) -> str:
    scope = data.get("scope")
    name = (scope["name_en"] if t.locale == "en" else scope["name_sw"]) if scope \
        else t._("Tanzania (national)")
    return t._("Mrejesho report %(period)s: %(scope)s", period=data["label"], scope=name)


def _show(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def sections(data: dict[str, Any], t: Translator) -> list[tuple[str, list[list[str]]]]:
    """The report as titled tables of text: what both formats (and the page) lay out."""
    name = "name_en" if t.locale == "en" else "name_sw"
    return [
        (t._("Figures"), [[t._(label), _show(data.get(key))] for key, label in FIGURES]),
        (t._("By kind"), [[t._(label(k)), str(n)] for k, n in sorted(data["by_kind"].items())]),
        (t._("By status now"), [[t._(label(s)), str(n)]
                                for s, n in sorted(data["by_status"].items())]),
        (t._("Directives"), [[t._("Given"), str(data["directives"]["given"])],
                             [t._("Done"), str(data["directives"]["done"])]]),
        (t._("Ranking, worst first"), [[t._("Institution"), *(t._(lbl) for _, lbl in RANKING)]]
         + [[r[name], *(_show(r.get(k)) for k, _ in RANKING)] for r in data["ranking"]]),
        (t._("Received and answered per week"),
         [[t._("Week"), t._("Received"), t._("Answered")]]
         + [[w["week"], str(w["received"]), str(w["answered"])] for w in data["trend"]]),
    ]


def pdf(data: dict[str, Any], locale: str) -> bytes:
    t = translator(locale)
    out = BytesIO()
    styles = getSampleStyleSheet()
    story: list[Any] = [Paragraph(title(data, t), styles["Title"])]
    for heading, rows in sections(data, t):
        story += [Paragraph(heading, styles["Heading2"]), _table(rows), Spacer(1, 6)]
    SimpleDocTemplate(out, pagesize=A4, title=title(data, t)).build(story)
    return out.getvalue()


def _table(rows: list[list[str]]) -> Table:
    table = Table(rows or [["-"]], hAlign="LEFT", repeatRows=1 if len(rows) > 1 else 0)
    table.setStyle(TableStyle([("FONTSIZE", (0, 0), (-1, -1), 8),
                               ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def xlsx(data: dict[str, Any], locale: str) -> bytes:
    t = translator(locale)
    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    for heading, rows in sections(data, t):
        sheet = book.create_sheet(heading[:31])
        for row in rows:
            sheet.append([_number(cell) for cell in row])
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _number(cell: str) -> Any:
    """Numbers as numbers, so a leader can sum and chart the workbook."""
    try:
        return int(cell)
    except ValueError:
        try:
            return float(cell)
        except ValueError:
            return cell
