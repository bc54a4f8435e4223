"""Issue 14: the feedback page offers exactly the actions the core accepts, and the answer
form says, as the officer types and again on the server, how many SMS the answer takes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from core import services
from core.models import Feedback
from tests.admin.conftest import post

ACTIONS = {"start": {}, "answer": {"text": "Jibu jipya la afisa"},
           "transfer": {"to": "NIDA", "note": "si yetu"}, "reject": {"reason": "spam tu"},
           "close": {}}
PHONE = "0712345678"


def _in(state: str, make_feedback: Callable[..., Feedback], first: Any, session) -> Feedback:
    fb = make_feedback()
    if state == "in_progress":
        services.start_feedback(session, fb, first)
    if state in ("answered", "appealed", "closed"):
        services.answer_feedback(session, fb, first, "Jibu la kwanza")
    if state == "appealed":
        services.appeal_feedback(session, fb, PHONE, "Sijaridhika na jibu")
    if state == "closed":
        services.close_feedback(session, fb, first)
    if state == "rejected":
        services.reject_feedback(session, fb, first, "spam kabisa")
    session.commit()
    return fb


@pytest.mark.parametrize("state,viewer", [
    ("received", "first"), ("in_progress", "first"), ("answered", "first"),
    ("appealed", "first"), ("appealed", "parent"), ("closed", "first"), ("rejected", "first"),
])
def test_the_page_offers_exactly_what_the_core_accepts(state, viewer, make_feedback,
                                                       make_officer, login, session) -> None:
    first = make_officer("TRA")
    officer = first if viewer == "first" else make_officer("MOF")
    client = login(officer)
    for action, data in ACTIONS.items():
        fb = _in(state, make_feedback, first, session)
        page = f"/admin/f/{fb.reference}"
        html = client.get(page).get_data(as_text=True)
        shown = f'action="/admin/f/{fb.reference}/{action}"' in html
        resp = post(client, f"{page}/{action}", data, page=page)
        assert resp.status_code == (303 if shown else 409), (state, viewer, action, shown)


def test_the_answer_form_counts_without_javascript(make_feedback, make_officer, login) -> None:
    fb = make_feedback()
    client = login(make_officer("TRA", language="en"))
    page = f"/admin/f/{fb.reference}"
    html = client.get(page).get_data(as_text=True)
    assert 'id="sms-count"' in html and "in at most 8 SMS" in html
    resp = post(client, f"{page}/answer", {"text": "maelezo marefu " * 130}, page=page)
    body = resp.get_data(as_text=True)
    assert resp.status_code == 409
    assert "Too long to send whole: 14 SMS (GSM-7), at most 8." in body  # the server's count


@pytest.mark.browser
def test_the_answer_form_counts_sms_as_the_officer_types(live_server, admin_page, make_feedback,
                                                         make_officer) -> None:
    from tests.conftest import PASSWORD

    page = admin_page
    fb = make_feedback()
    officer = make_officer("TRA", language="en")
    page.goto(f"{live_server}/admin/login")
    page.fill("input[name=email]", officer.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server}/admin/f/{fb.reference}")
    count = page.locator("#sms-count")
    page.fill("#answer textarea[name=text]", "Karibu ofisini kesho.")
    assert count.inner_text() == ("This answer goes out whole as 1 SMS (GSM-7); "
                                  "at most 8 can be sent.")
    page.fill("#answer textarea[name=text]", "maelezo marefu " * 38)  # 570 letters
    assert "as 5 SMS (GSM-7)" in count.inner_text()
    page.fill("#answer textarea[name=text]", "Karibu ofisini \U0001F600 " * 5)
    assert "SMS (UCS-2)" in count.inner_text()
    page.fill("#answer textarea[name=text]", "maelezo marefu " * 130)
    assert count.inner_text().startswith("Too long to send whole: 14 SMS")
    page.fill("#answer textarea[name=text]", "maelezo marefu " * 38)
    page.click("#answer button")
    assert page.locator("#status").inner_text() == "Answered"
    assert not page.errors, page.errors
