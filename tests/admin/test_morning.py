"""An officer's morning in a real headless Chromium, at 1366x768 and on a 360 px phone.

Log in, read the queue (overdue on top), take the first item, write a note, answer it,
take the next and transfer it by typing a few letters, land on the inbox told where it
went, open the next item. No page may be wider than the window. Screenshots go to docs/.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from core.models import utcnow
from tests.conftest import PASSWORD

DOCS = Path(__file__).resolve().parents[2] / "docs"
SIZES = {"1366": {"width": 1366, "height": 768}, "360": {"width": 360, "height": 740}}


def no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate("""() => [...document.querySelectorAll('main *')]
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
        .slice(0, 5).map(e => e.tagName + '#' + e.id + '.' + e.className)""")
    assert width <= page.viewport_size["width"], (page.url, width, wide)


@pytest.mark.browser
@pytest.mark.parametrize("size", sorted(SIZES))
def test_an_officers_morning(live_server, admin_page, make_officer, make_feedback, session,
                             size) -> None:
    page = admin_page
    page.set_viewport_size(SIZES[size])
    officer = make_officer("TRA", name="Zawadi Mollel", language="en")
    late = make_feedback(description="TIN yangu haijafika wiki tatu", name="Asha Juma")
    misplaced = make_feedback(description="Kitambulisho changu cha taifa kimepotea")
    after = make_feedback(description="Risiti za EFD hazitoki")
    late.due_at = utcnow() - timedelta(days=2)
    misplaced.due_at = utcnow() + timedelta(days=1)
    session.commit()

    page.goto(f"{live_server}/admin/")
    page.fill("input[name=email]", officer.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/admin/")
    rows = page.locator("#queue tbody tr")
    assert late.reference in rows.nth(0).inner_text()  # overdue on top
    assert "Unassigned 3" in page.locator("header").inner_text()
    no_sideways_scroll(page)
    page.screenshot(path=str(DOCS / f"desk-queue-{size}.png"), full_page=True)

    rows.nth(0).locator("a").click()
    page.click("#take button")
    assert f"You hold {late.reference} now." in page.locator(".flash").inner_text()
    assert page.locator("#holder").inner_text().startswith("Zawadi Mollel")
    page.fill("#note textarea", "Alipiga simu jana; TIN iko tayari ofisini")
    page.click("#note button")
    assert "Alipiga simu jana" in page.locator("#notes").inner_text()
    page.fill("#answer textarea[name=text]", "TIN yako iko tayari, karibu ofisini Dodoma.")
    page.click("#answer button")
    assert page.locator("#status").inner_text() == "Answered"
    assert "Zawadi Mollel answered" in page.locator("#history").inner_text()
    no_sideways_scroll(page)
    page.screenshot(path=str(DOCS / f"desk-item-{size}.png"), full_page=True)

    page.click("#nav-unassigned")
    page.locator("#queue tbody tr").nth(0).locator("a").click()
    assert misplaced.reference in page.locator("h1").inner_text()
    page.fill("#to-q", "vitamb")
    assert page.locator("[data-picker] label:visible").count() == 1
    no_sideways_scroll(page)
    page.screenshot(path=str(DOCS / f"desk-transfer-{size}.png"), full_page=True)
    page.press("#to-q", "Enter")  # picks the only match
    page.fill("#transfer textarea[name=note]", "Hili ni la NIDA")
    page.click("#transfer button[name=transfer]")
    page.wait_for_url(f"{live_server}/admin/")
    assert "Transferred to National Identification Authority." in page.locator(
        ".flash").inner_text()
    assert misplaced.reference not in page.locator("#queue").inner_text()

    page.locator("#queue tbody tr").nth(0).locator("a").click()
    assert after.reference in page.locator("h1").inner_text()
    assert not page.errors, page.errors
