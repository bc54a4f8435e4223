"""What the page posts is what Africa's Talking posts: checked on the callback log it keeps."""

from __future__ import annotations

import importlib.util
import json

import pytest

from tests.simulator.walk import answer, dial

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(importlib.util.find_spec("ussd.views") is None,
                       reason="the USSD channel (ussd.views) is not in this build"),
]


def posted(page) -> list[dict]:
    """The callback log, oldest first, as {url, status, fields}."""
    entries = []
    for item in reversed(page.locator("#log li").all()):
        head = item.locator("p").inner_text()
        fields = {}
        for line in item.locator("pre").first.inner_text().splitlines():
            key, _, value = line.partition("=")
            fields[key] = json.loads(value)
        entries.append({"url": head.split()[1], "status": head.split()[3], "fields": fields})
    return entries


def test_text_accumulates_and_each_dial_is_a_fresh_session(page, live_server) -> None:
    page.goto(f"{live_server}/simulator")
    page.select_option("#network", "64005")
    dial(page, "*152*00#")
    answer(page, "9")
    answer(page, "2")
    page.click("#cancel")
    dial(page, "*152*00*9*2#")
    page.wait_for_selector("#log li:has-text('/ussd/africastalking/events')")
    hops = [e for e in posted(page) if e["url"] == "/ussd/africastalking"]
    assert [h["fields"]["text"] for h in hops] == ["", "9", "9*2", "9*2"]
    assert {h["fields"]["serviceCode"] for h in hops} == {"*152*00#"}
    assert {h["fields"]["phoneNumber"] for h in hops} == {"+255712345678"}
    assert {h["fields"]["networkCode"] for h in hops} == {"64005"}
    first, second = {h["fields"]["sessionId"] for h in hops[:3]}, hops[3]["fields"]["sessionId"]
    assert len(first) == 1 and second not in first
    notices = [e for e in posted(page) if e["url"] == "/ussd/africastalking/events"]
    assert notices and notices[0]["fields"]["status"] == "Incomplete"
    assert notices[0]["fields"]["input"] == "9*2" and notices[0]["status"] == "200"
    assert page.errors == []


def test_a_repeated_hop_gets_the_same_answer(page, live_server) -> None:
    page.goto(f"{live_server}/simulator")
    dial(page, "*152*00*9*2#")
    answer(page, "1")
    page.click("#retry")
    page.wait_for_selector("#screen-meta:has-text('Repeated hop')")
    assert "the same answer" in page.inner_text("#screen-meta")


def test_new_session_ends_the_running_one(page, live_server) -> None:
    page.goto(f"{live_server}/simulator")
    dial(page, "*152*00*9*2#")
    assert page.is_visible("#reply") and page.is_visible("#send") and page.is_hidden("#ok")
    page.click("#new-session")
    assert page.inner_text("#bar-state") == "Idle"
    assert page.is_hidden("#reply-form")
    page.wait_for_selector("#log li:has-text('/ussd/africastalking/events')")


def test_the_page_sends_the_callback_token_when_one_is_set(page, live_server, app,
                                                          monkeypatch) -> None:
    monkeypatch.setitem(app.config, "CALLBACK_TOKEN", "s3cret")
    page.goto(f"{live_server}/simulator")
    dial(page, "*152*00*9*2#")
    assert page.inner_text("#bar-state") == "Session"
    assert page.inner_text("#screen-text").startswith("e-Mrejesho")
