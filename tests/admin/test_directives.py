"""Directives through the admin: the forms each party sees, and each step's POST."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.models import Directive
from tests.admin.conftest import post


@pytest.fixture
def parties(make_officer, make_feedback, login):
    bahi = make_feedback(institution_code="LGA-BAHI-DC", description="Kisima kimeharibika")
    rc = make_officer("RS-DODOMA", "head", name="Mkuu wa Mkoa", language="en")
    desk = make_officer("LGA-BAHI-DC", "officer", name="Afisa Bahi", language="en")
    return bahi, login(rc), login(desk)


def test_a_leader_gives_a_directive_the_council_reports_the_leader_accepts(
        session, parties) -> None:
    bahi, rc, desk = parties
    page = rc.get(f"/admin/f/{bahi.reference}").get_data(as_text=True)
    assert 'id="issue-directive"' in page
    assert 'id="issue-directive"' not in desk.get(f"/admin/f/{bahi.reference}").get_data(
        as_text=True)
    resp = post(rc, f"/admin/f/{bahi.reference}/directive",
                {"text": "Repair the borehole", "days": "3"})
    assert resp.status_code == 303
    directive = session.scalar(select(Directive))
    assert directive is not None and directive.status == "issued"

    listed = desk.get("/admin/directives").get_data(as_text=True)
    assert bahi.reference in listed and "Repair the borehole" in listed
    page = desk.get(f"/admin/f/{bahi.reference}").get_data(as_text=True)
    assert 'class="report"' in page and 'class="review"' not in page
    assert post(desk, f"/admin/d/{directive.id}/report",
                {"report": "A new pump was fitted"}).status_code == 303

    page = rc.get(f"/admin/f/{bahi.reference}").get_data(as_text=True)
    assert 'class="review"' in page and "A new pump was fitted" in page
    assert post(rc, f"/admin/d/{directive.id}/review", {"decision": "accept"}).status_code == 303
    session.refresh(directive)
    assert directive.status == "done"
    history = rc.get(f"/admin/f/{bahi.reference}").get_data(as_text=True)
    assert "Directive given" in history and "Directive accepted" in history


def test_refused_steps_say_why_and_change_nothing(session, parties) -> None:
    bahi, rc, desk = parties
    resp = post(desk, f"/admin/f/{bahi.reference}/directive",
                {"text": "Repair the borehole", "days": "3"})
    assert resp.status_code == 409 and "You may not do this." in resp.get_data(as_text=True)
    assert post(rc, f"/admin/f/{bahi.reference}/directive",
                {"text": "Repair", "days": "999"}).status_code == 400
    assert session.scalar(select(Directive)) is None
    post(rc, f"/admin/f/{bahi.reference}/directive", {"text": "Repair the borehole",
                                                      "days": "3"})
    directive = session.scalar(select(Directive))
    assert directive is not None
    resp = post(rc, f"/admin/d/{directive.id}/review", {"decision": "return", "reason": "x"})
    assert resp.status_code == 409  # nothing reported yet
    assert desk.post(f"/admin/d/{directive.id}/report",
                     data={"report": "A new pump"}).status_code == 400  # no CSRF token


def test_a_directive_outside_the_officers_reach_is_not_found(make_officer, login,
                                                             parties) -> None:
    bahi, rc, _ = parties
    post(rc, f"/admin/f/{bahi.reference}/directive", {"text": "Repair the borehole",
                                                      "days": "3"})
    stranger = login(make_officer("TRA", "officer"))
    assert stranger.get("/admin/directives").status_code == 200
    assert post(stranger, "/admin/d/1/report", {"report": "Not mine"}).status_code == 404
    assert post(stranger, "/admin/d/999999/review", {"decision": "accept"}).status_code == 404
