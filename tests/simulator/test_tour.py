"""The README's guided tour, end to end: USSD in the simulator, answer in the admin, SMS back.

The demo officer is made by the same command ``make run`` runs (``officers demo``). Its
screenshot of the dashboard is the one the README shows (``docs/dashboard.png``).
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from core.i18n import translator
from tests.simulator.walk import answer, dial, option, submit_complaint
from web.cli import DEMO_EMAIL, DEMO_PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(importlib.util.find_spec("admin.views") is None
                       or importlib.util.find_spec("ussd.views") is None,
                       reason="the admin (admin.views) or the USSD channel is not in this build"),
]

DASHBOARD = Path(__file__).resolve().parents[2] / "docs" / "dashboard.png"
ANSWER = "TIN yako imetolewa; ichukue ofisi ya TRA iliyo karibu nawe."


def test_the_guided_tour(app, page, browser, live_server, run_jobs) -> None:
    assert app.test_cli_runner().invoke(args=["officers", "demo"]).exit_code == 0
    t = translator("sw")
    page.goto(f"{live_server}/simulator")
    reference = re.search(r"\b(\d{10})\b", submit_complaint(page)).group(1)

    officer = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    officer.goto(f"{live_server}/admin/login")
    officer.fill("input[name=email]", DEMO_EMAIL)
    officer.fill("input[name=password]", DEMO_PASSWORD)
    officer.click("form button[type=submit]")
    officer.wait_for_load_state()
    assert reference in officer.goto(f"{live_server}/admin/").text()
    officer.goto(f"{live_server}/admin/f/{reference}")
    officer.fill("#answer textarea", ANSWER)
    officer.click("#answer button[name=answer]")
    officer.wait_for_load_state()

    run_jobs()
    sms = page.locator("#thread .bubble.in[data-status='sent']", has_text=ANSWER)
    sms.wait_for(timeout=10_000)
    assert reference in sms.inner_text()

    officer.goto(f"{live_server}/admin/dashboard")
    assert officer.locator("main").count() == 1
    officer.screenshot(path=str(DASHBOARD), full_page=True)

    page.click("#ok")
    answer(page, option(dial(page, "*152*00*9*2#"), t._("Track")) or "6")
    status = answer(page, reference)
    assert reference in status and t._("answered") in status
    officer.context.close()
