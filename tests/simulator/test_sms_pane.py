"""The SMS pane: a form post to the inbound callback, and the replies read from the outbox."""

from __future__ import annotations

import importlib.util

import pytest

from tests.simulator.test_protocol import posted

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(importlib.util.find_spec("sms.views") is None,
                       reason="the SMS channel (sms.views) is not in this build"),
]


def test_a_text_to_the_short_code_is_answered_in_the_pane(page, live_server, run_jobs) -> None:
    page.goto(f"{live_server}/simulator")
    page.fill("#sms-text", "MSAADA")
    page.click("#sms-form button[type=submit]")
    page.wait_for_selector("#thread .bubble.out[data-status='sent']")
    inbound = [e for e in posted(page) if e["url"] == "/sms/africastalking/inbound"]
    assert len(inbound) == 1 and inbound[0]["status"] == "200"
    fields = inbound[0]["fields"]
    assert set(fields) == {"from", "to", "text", "date", "id", "linkId", "networkCode"}
    assert fields["from"] == "+255712345678" and fields["to"] == "15200"
    assert fields["text"] == "MSAADA" and fields["id"].startswith("ATXid_")

    run_jobs()
    page.locator("#thread .bubble.in[data-status='sent']").first.wait_for(timeout=10_000)
    assert page.errors == []


def test_picking_a_language_texts_the_keyword(page, live_server, run_jobs) -> None:
    page.goto(f"{live_server}/simulator")
    page.select_option("#language", "en")
    page.wait_for_selector("#thread .bubble.out[data-status='sent']:has-text('LUGHA EN')")
    run_jobs()
    page.locator("#thread .bubble.in[data-status='sent']").first.wait_for(timeout=10_000)
    outbox = page.request.get(f"{live_server}/simulator/outbox?phone=%2B255712345678").json()
    assert outbox["language"] == "en"
    assert page.input_value("#language") == "en"
