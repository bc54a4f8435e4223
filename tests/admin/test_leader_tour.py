"""A leader's round in a real headless Chromium: ranking → worst institution → its overdue
items → a directive → the institution reports → the leader accepts.

The dashboard and the tile map are saved as ``docs/leaders-dashboard.png`` and
``docs/leaders-tilemap.png`` (shown in the README).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from core.models import utcnow
from core.services import Submission, submit_feedback
from tests.conftest import PASSWORD

DOCS = Path(__file__).resolve().parents[2] / "docs"
PLACES = {"LGA-BAHI-DC": 6, "LGA-KONDOA-DC": 3, "LGA-DODOMA-CC": 4, "LGA-MPWAPWA-DC": 1,
          "LGA-PANGANI-DC": 5, "LGA-TEMEKE-MC": 8, "LGA-MUSOMA-MC": 2, "LGA-KIGOMA-DC": 3}


def seed(session) -> None:
    """Feedback across regions, older ones past their due date, so the ranking has a worst."""
    now = utcnow()
    for code, n in PLACES.items():
        for i in range(n):
            submit_feedback(session, Submission(
                kind=("complaint", "inquiry", "suggestion")[i % 3], channel="sms",
                institution_code=code, phone=f"07130{i:05d}",
                description=f"Huduma ya maji imesimama, namba {i}"),
                now=now - timedelta(days=(30 if i % 2 == 0 or code == "LGA-BAHI-DC" else 1),
                                    hours=i))
    session.commit()


def log_in(page, live_server: str, email: str) -> None:
    page.goto(f"{live_server}/admin/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/admin/**")


def log_out(page) -> None:
    page.click("header form button:has-text('Log out')")


@pytest.mark.browser
def test_leader_directs_the_worst_council_and_accepts_its_report(
        live_server, admin_page, make_officer, session) -> None:
    page = admin_page
    seed(session)
    rc = make_officer("RS-DODOMA", "head", name="Mkuu wa Mkoa wa Dodoma", language="en")
    desk = make_officer("LGA-BAHI-DC", "officer", name="Afisa wa Bahi", language="en")

    log_in(page, live_server, rc.email)
    page.goto(f"{live_server}/admin/leaders?shade=received")
    worst = page.locator("#ranking tbody tr").first
    assert worst.get_attribute("data-code") == "LGA-BAHI-DC"
    DOCS.mkdir(exist_ok=True)
    page.screenshot(path=str(DOCS / "leaders-dashboard.png"), full_page=True)
    page.locator("#tile-map").screenshot(path=str(DOCS / "leaders-tilemap.png"))

    worst.locator("td.overdue a").click()  # the worst council's overdue items
    items = page.locator("a[href*='/admin/f/']")
    assert items.count() == PLACES["LGA-BAHI-DC"]
    items.first.click()
    page.fill("#issue-directive textarea[name=text]", "Restore the water and tell the citizen")
    page.fill("#issue-directive input[name=days]", "3")
    page.click("#issue-directive button")
    assert page.locator(".directive").first.get_attribute("data-status") == "issued"
    ref_url = page.url.split("#")[0]
    log_out(page)

    log_in(page, live_server, desk.email)
    page.goto(f"{live_server}/admin/directives")
    page.locator("#received a").first.click()
    page.fill(".directive form.report textarea", "The pump was repaired; the citizen was called")
    page.click(".directive form.report button")
    assert page.locator(".directive").first.get_attribute("data-status") == "reported"
    log_out(page)

    log_in(page, live_server, rc.email)
    page.goto(ref_url)
    page.check(".directive form.review input[value=accept]")
    page.click(".directive form.review button")
    assert page.locator(".directive").first.get_attribute("data-status") == "done"
    history = page.locator("#history").inner_text()
    assert "Directive given" in history and "Directive accepted" in history
    assert not page.errors, page.errors
