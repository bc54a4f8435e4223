"""Reports: figures against the rows, the scopes a month keeps, files with nothing private."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select

from core import directives, report_files, reports, services
from core.models import Institution, Report
from core.reports import Period
from core.services import Submission

NOV = datetime(2026, 11, 10, 9, tzinfo=UTC)


def inst(session, code: str) -> Institution:
    found = session.scalar(select(Institution).where(Institution.code == code))
    assert found is not None
    return found


@pytest.fixture
def november(session, make_officer):
    """Four feedback in November (one answered on time, one late, one anonymous), one in October."""
    officer = make_officer("LGA-BAHI-DC", "officer")
    made = []
    for i, (code, anonymous) in enumerate((("LGA-BAHI-DC", False), ("LGA-BAHI-DC", True),
                                            ("LGA-KONDOA-DC", False), ("TRA", False))):
        made.append(services.submit_feedback(session, Submission(
            kind="complaint", channel="sms", institution_code=code, anonymous=anonymous,
            phone=f"07131{i:05d}", name="Neema Siri", description="Maji ya bomba ya Mnadani"),
            now=NOV + timedelta(hours=i)))
    services.submit_feedback(session, Submission(
        kind="inquiry", channel="web", institution_code="LGA-BAHI-DC",
        description="Swali la Oktoba"), now=NOV - timedelta(days=30))
    services.answer_feedback(session, made[0], officer, "Tumerekebisha",
                             now=NOV + timedelta(days=1))
    services.answer_feedback(session, made[1], officer, "Tumerekebisha",
                             now=NOV + timedelta(days=15))
    rc = make_officer("RS-DODOMA", "head")
    directives.issue_directive(session, made[2], rc, "Answer the citizen", days=2, now=NOV)
    session.commit()
    return made


def test_a_regions_november_against_the_rows(session, november) -> None:
    data = reports.build(session, inst(session, "RS-DODOMA"),
                         Period.containing("month", NOV.date()), now=NOV + timedelta(days=25))
    assert data["label"] == "2026-11" and data["received"] == 3
    assert data["by_kind"] == {"complaint": 3} and data["by_status"] == {
        "answered": 2, "received": 1}
    assert data["answered"] == 2 and data["answered_on_time"] == 1 and data["on_time_rate"] == 0.5
    # working days to the first answer (core.answer_time), as the board counts them: Tuesday
    # 10 November to Wednesday (1) and to Wednesday 25 (11); the calendar's 7.98 before
    assert data["median_days_to_answer"] == 6.0 and data["first_answers"] == 2
    assert data["directives"] == {"given": 1, "done": 0}
    assert {r["code"] for r in data["ranking"]} >= {"LGA-BAHI-DC", "LGA-KONDOA-DC"}


def test_periods_and_the_scopes_a_month_keeps(session, november) -> None:
    q = Period.containing("quarter", date(2026, 11, 30))
    assert (q.start, q.end, q.label) == (date(2026, 10, 1), date(2027, 1, 1), "2026-Q4")
    assert Period.containing("month", date(2026, 12, 5)).previous().label == "2026-11"
    with pytest.raises(ValueError):
        Period.containing("week", date(2026, 12, 5))
    first_of_january = datetime(2027, 1, 1, 0, 30, tzinfo=UTC)
    kept = reports.generate_due(session, now=datetime(2026, 12, 1, 0, 30, tzinfo=UTC))
    scopes = {r.scope_id for r in kept}
    assert reports.NATIONAL in scopes and inst(session, "RS-DODOMA").id in scopes
    assert inst(session, "LGA-PANGANI-DC").id not in scopes
    assert all(r.period == "month" for r in kept)
    again = reports.generate_due(session, now=datetime(2026, 12, 1, 1, 0, tzinfo=UTC))
    session.commit()
    assert session.scalar(select(func.count()).select_from(Report)) == len(again) == len(kept)
    quarter = [r for r in reports.generate_due(session, now=first_of_january)
               if r.period == "quarter"]
    assert quarter and quarter[0].data["label"] == "2026-Q4" and quarter[0].data["received"] == 5


@pytest.mark.parametrize("locale", ["sw", "en"])
def test_files_hold_the_figures_and_nothing_private(session, november, locale) -> None:
    report = reports.keep(session, None, Period.containing("month", NOV.date()))
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(
        report_files.pdf(report.data, locale))).pages)
    book = load_workbook(BytesIO(report_files.xlsx(report.data, locale)))
    cells = " ".join(str(c.value) for s in book.worksheets for row in s.iter_rows()
                     for c in row if c.value is not None)
    everything = text + cells + str(report.data)
    for private in ("07131", "255713", "Neema", "Mnadani", "Tumerekebisha", "Answer the citizen"):
        assert private not in everything
    assert "2026-11" in text and ("Tanzania" in text)
    figures = book.worksheets[0]
    assert [c.value for c in figures[1]][1] == 4  # received, as a number

