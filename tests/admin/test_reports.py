"""Kept reports in the admin: who may read which, and the three formats."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from core import reports
from core.models import Institution
from core.reports import Period


def test_each_leader_reads_the_reports_of_their_scope(session, make_officer, make_feedback,
                                                      login) -> None:
    make_feedback(institution_code="LGA-BAHI-DC")
    make_feedback(institution_code="LGA-PANGANI-DC")
    period = Period.containing("month", datetime.now(UTC).date())
    national = reports.keep(session, None, period)
    dodoma = session.scalar(select(Institution).where(Institution.code == "RS-DODOMA"))
    tanga = session.scalar(select(Institution).where(Institution.code == "RS-TANGA"))
    mine, theirs = reports.keep(session, dodoma, period), reports.keep(session, tanga, period)
    session.commit()

    rc = login(make_officer("RS-DODOMA", "head", language="en"))
    listed = rc.get("/admin/reports").get_data(as_text=True)
    assert f"/admin/reports/{mine.id}" in listed and f"/admin/reports/{theirs.id}" not in listed
    assert f"/admin/reports/{national.id}\"" not in listed
    page = rc.get(f"/admin/reports/{mine.id}")
    assert page.status_code == 200 and "Dodoma" in page.get_data(as_text=True)
    pdf = rc.get(f"/admin/reports/{mine.id}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    xlsx = rc.get(f"/admin/reports/{mine.id}.xlsx")
    assert xlsx.status_code == 200 and xlsx.data.startswith(b"PK")
    for refused in (theirs.id, national.id, 999999):
        assert rc.get(f"/admin/reports/{refused}.pdf").status_code == 404
    chief = login(make_officer("PO-PSMGG", "oversight"))
    assert chief.get(f"/admin/reports/{national.id}.xlsx").status_code == 200
