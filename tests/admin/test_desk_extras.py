"""The desk's small things: CSV/XLSX in Dar es Salaam time with the same privacy, the print
view, ``/``, the login rate-limit page, and the CLI's list/disable/reset-password."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from openpyxl import load_workbook
from sqlalchemy import select

from core import desk
from core.models import Feedback, Officer
from core.officers import password_matches


def test_csv_and_xlsx_hold_the_same_rows_in_local_time_and_hide_the_anonymous(
        login, make_officer, make_feedback, session) -> None:
    officer = make_officer("TRA")
    named = make_feedback(name="Asha Juma", phone="0754111222", description="=HYPERLINK(1)")
    anon = make_feedback(anonymous=True, phone="0688999000", name="Siri Kabisa")
    named.created_at = datetime(2026, 3, 2, 22, 30, tzinfo=UTC)
    session.commit()
    desk.add_note(session, named, officer, "Dokezo la ndani kabisa")
    session.commit()
    client = login(officer)
    rows = list(csv.reader(io.StringIO(client.get("/admin/export.csv").get_data(as_text=True))))
    resp = client.get("/admin/export.xlsx")
    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(resp.data), read_only=True).active
    cells = [["" if c is None else str(c) for c in r] for r in sheet.iter_rows(values_only=True)]
    assert cells == rows
    by_ref = {r[0]: r for r in rows[1:]}
    assert by_ref[named.reference][1] == "2026-03-03T01:30:00+0300"
    assert by_ref[named.reference][9] == "'=HYPERLINK(1)"  # text, never a formula
    assert by_ref[anon.reference][7] == "anonymous" and by_ref[anon.reference][8] == ""
    everything = repr(rows)
    assert "0688999000" not in everything and "+255688999000" not in everything
    assert "Siri Kabisa" not in everything and "Dokezo la ndani" not in everything


def test_the_print_view_shows_the_history_and_nothing_private_of_the_anonymous(
        login, make_officer, make_feedback, session) -> None:
    officer = make_officer("TRA", language="en")
    anon = make_feedback(anonymous=True, phone="0688999000")
    desk.add_note(session, anon, officer, "Dokezo la ndani kabisa")
    session.commit()
    html = login(officer).get(f"/admin/f/{anon.reference}/print").get_data(as_text=True)
    assert "Received by SMS for Tanzania Revenue Authority." in html
    assert "688999000" not in html and "Dokezo la ndani" not in html and "<form" not in html
    assert login(make_officer("NIDA")).get(f"/admin/f/{anon.reference}/print").status_code == 404


def test_root_leads_to_the_simulator_on_the_embedded_default(client) -> None:
    resp = client.get("/")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/simulator")


def test_cli_lists_institutions_and_officers_disables_and_resets(app, session, make_officer,
                                                                 make_feedback) -> None:
    runner = app.test_cli_runner()
    lgas = runner.invoke(args=["institutions", "list", "--kind", "lga", "--region", "rs-dodoma"])
    assert lgas.exit_code == 0 and "LGA-BAHI-DC\tlga\tRS-DODOMA\tBahi District Council" in \
        lgas.output and "TRA\t" not in lgas.output
    assert runner.invoke(args=["institutions", "list", "--kind", "nope"]).exit_code == 1
    officer = make_officer("TRA", email="asha@tra.go.tz")
    fb = make_feedback()
    desk.take_feedback(session, fb, officer)
    session.commit()
    listed = runner.invoke(args=["officers", "list", "--institution", "tra"])
    assert "asha@tra.go.tz\tofficer\tTRA\tactive" in listed.output
    assert runner.invoke(args=["officers", "disable", "--email", "ASHA@tra.go.tz"]).exit_code == 0
    assert runner.invoke(args=["officers", "disable", "--email", "nobody@tra.go.tz"]).exit_code == 1
    reset = runner.invoke(args=["officers", "reset-password", "asha@tra.go.tz"],
                          input="a brand new secret\n")
    assert reset.exit_code == 0, reset.output
    assert runner.invoke(args=["officers", "reset-password", "asha@tra.go.tz"],
                         input="short\n").exit_code == 1
    session.expire_all()
    again = session.scalar(select(Officer).where(Officer.email == "asha@tra.go.tz"))
    assert not again.active and password_matches(again, "a brand new secret")
    assert session.get(Feedback, fb.id).assigned_to_id is None
