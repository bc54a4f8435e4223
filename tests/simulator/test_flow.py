"""The issue's acceptance test: a citizen's whole trip through the simulator page.

Headless Chromium dials ``*152*00*9*2#``, submits a complaint through the real
USSD callback, reads the reference off the phone's screen, sees the
confirmation SMS arrive in the SMS pane once the rq worker has sent it to the
outbox, and tracks the complaint by dialling again. Its screenshot is the one
the README shows (``docs/simulator.png``).
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from core.i18n import translator
from tests.simulator.walk import answer, dial, option, submit_complaint

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "simulator.png"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(importlib.util.find_spec("ussd.views") is None,
                       reason="the USSD channel (ussd.views) is not in this build"),
]


def test_a_citizen_submits_and_tracks_a_complaint_on_the_simulator(
        page, live_server, run_jobs) -> None:
    t = translator("sw")
    page.goto(f"{live_server}/simulator")
    assert page.input_value("#phone-number") == "+255712345678"

    end = submit_complaint(page)
    assert page.inner_text("#bar-state") == "Ended"
    assert page.is_hidden("#reply-form") and page.is_visible("#ok")  # the session is over
    match = re.search(r"\b(\d{10})\b", end)
    assert match, end
    reference = match.group(1)
    assert end.startswith(t._("Thank you. Your reference number is %(ref)s. An SMS with it "
                              "follows.", ref=reference)[:20])
    meta = page.inner_text("#screen-meta")
    assert re.match(r"\d+/160 characters", meta) and int(meta.split("/")[0]) <= 160

    run_jobs()  # the worker sends the confirmation to the outbox the page polls
    sms = page.locator("#thread .bubble.in[data-status='sent']", has_text=reference)
    sms.wait_for(timeout=10_000)
    receipt = t._("Thank you. Ref %(ref)s, sent to %(inst)s. To track it, send STATUS %(ref)s",
                  ref=reference, inst="TRA kodi")
    assert sms.inner_text().startswith(receipt)

    page.click("#ok")
    screen = dial(page, "*152*00*9*2#")
    screen = answer(page, option(screen, t._("Track")) or "6")
    assert screen.startswith(t._("Type the reference number (10 digits):"))
    status = answer(page, reference)
    assert page.inner_text("#bar-state") == "Ended"
    assert reference in status and "TRA" in status
    assert page.errors == []

    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 1000})  # the whole phone, keypad and all
    page.screenshot(path=str(SCREENSHOT))
