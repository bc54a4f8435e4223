"""The page itself in a real headless Chromium: its script, its parsing, its layout."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

DIALS = [
    ("*152*00#", {"serviceCode": "*152*00#", "text": ""}),
    ("*152*00*9*2#", {"serviceCode": "*152*00#", "text": "9*2"}),
    (" *152*00*9*2*6# ", {"serviceCode": "*152*00#", "text": "9*2*6"}),
    ("*152*00*9#", {"serviceCode": "*152*00#", "text": "9"}),
    ("*152*00", None),
    ("152*00#", None),
    ("*152*00**2#", None),
    ("*152*00*9*#", None),
    ("*150*00#", None),
    ("*152*001#", None),
    ("*152*00*a#", None),
]


def test_dial_strings_split_as_africas_talking_sends_them(page, live_server) -> None:
    page.goto(f"{live_server}/simulator")
    for dial, expected in DIALS:
        got = page.evaluate("([d, c]) => window.MrejeshoSimulator.parseDial(d, c)",
                            [dial, "*152*00#"])
        if expected is None:
            assert "error" in got, dial
        else:
            assert got == expected, dial
    assert page.errors == []


def test_screens_are_measured_against_the_160_limit(page, live_server) -> None:
    page.goto(f"{live_server}/simulator")
    measure = "([t]) => { const s = JSON.parse(document.getElementById('sim-settings')" \
              ".textContent); return window.MrejeshoSimulator.measure(t, s.gsmBasic," \
              " s.gsmExtension); }"
    assert page.evaluate(measure, ["CON Karibu"]) == {"chars": 10, "septets": 10, "notGsm": []}
    assert page.evaluate(measure, ["END €5"])["septets"] == 7
    assert page.evaluate(measure, ["CON “Habari”"])["notGsm"] == ["“", "”"]


def test_a_bad_dial_string_is_refused_on_the_page(page, live_server) -> None:
    page.goto(f"{live_server}/simulator")
    page.fill("#dial", "152#")
    page.click("#dial-form button[type=submit]")
    assert "starts with *" in page.inner_text("#dial-error")
    assert page.inner_text("#bar-state") == "Idle"


def test_the_page_fits_a_narrow_screen(browser, live_server) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(f"{live_server}/simulator")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    for selector in ("#phone", "#thread-empty", "#sms-text", "#phone-number"):
        box = page.locator(selector).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360, selector
    context.close()


def test_keypad_types_into_the_dial_box(page, live_server) -> None:
    page.goto(f"{live_server}/simulator")
    page.fill("#dial", "")
    for key in "*152*00#":
        page.click(f"[data-key='{key}']")
    assert page.input_value("#dial") == "*152*00#"
    page.click("#key-back")
    assert page.input_value("#dial") == "*152*00"


def test_a_local_number_is_shown_as_the_aggregator_sends_it(page, live_server) -> None:
    page.goto(f"{live_server}/simulator")
    page.fill("#phone-number", "0754 111 222")
    page.click("#sms-h")  # leave the field: the change is taken
    for _ in range(50):
        if page.input_value("#phone-number") == "+255754111222":
            break
        page.wait_for_timeout(100)
    assert page.input_value("#phone-number") == "+255754111222"


def test_a_wrong_number_is_refused_with_the_reason(page, live_server) -> None:
    page.goto(f"{live_server}/simulator")
    page.fill("#phone-number", "12345")
    page.click("#sms-h")
    page.wait_for_selector("#phone-error:not(:empty)")
    assert "phone number" in page.inner_text("#phone-error")
