"""The officer's day in a real headless Chromium: login, inbox, answer, transfer, dashboard.

The dashboard screenshot is kept as a test artifact in ``artifacts/dashboard.png``.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from core.models import utcnow
from core.services import Submission, submit_feedback
from tests.conftest import PASSWORD

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


def seed_history(session) -> None:
    """Feedback spread over the last 90 days, so the chart has something to draw."""
    now = utcnow()
    for day in range(0, 90, 3):
        for i in range(day % 7 + 1):
            submit_feedback(session, Submission(
                kind=("complaint", "inquiry", "suggestion")[i % 3], channel="web",
                institution_code="TRA", description=f"Mrejesho wa zamani {day}-{i}"),
                now=now - timedelta(days=day, hours=i))
    session.commit()


@pytest.mark.browser
def test_login_inbox_answer_transfer_dashboard(live_server, admin_page, make_officer,
                                               make_feedback, session) -> None:
    page = admin_page
    seed_history(session)
    officer = make_officer("TRA", language="en")
    to_answer = make_feedback(description="TIN yangu haijafika", channel="web")
    to_transfer = make_feedback(description="Kitambulisho changu cha taifa", channel="web")

    page.goto(f"{live_server}/admin/")
    assert "/admin/login" in page.url
    page.fill("input[name=email]", officer.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/admin/")
    assert page.locator("h1").inner_text() == "Inbox"

    page.fill("input[name=q]", to_answer.reference)
    page.click("form.filters button[type=submit]")
    page.click(f"text={to_answer.reference}")
    page.fill("#answer textarea[name=text]", "TIN yako iko tayari, karibu ofisini.")
    page.click("#answer button")
    assert page.locator("#status").inner_text() == "Answered"
    assert "Opened by" in page.locator("#history").inner_text()  # a sentence, with a name

    page.goto(f"{live_server}/admin/f/{to_transfer.reference}")
    page.fill("#to-q", "vitambulisho")
    page.check("#transfer input[name=to][value=NIDA]")
    page.fill("#transfer textarea[name=note]", "Hili ni la NIDA")
    page.click("#transfer button[name=transfer]")
    # Now at NIDA, out of this officer's scope: back to the inbox, where it is gone.
    page.wait_for_url(f"{live_server}/admin/")
    assert to_transfer.reference not in page.locator("table").inner_text()

    page.click("text=Dashboard")
    page.wait_for_selector("svg.chart rect")
    assert "Overdue" in page.locator("#counts").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
    assert (ARTIFACTS / "dashboard.png").stat().st_size > 10_000
    assert not page.errors, page.errors
