"""Feedback a partner filed through Open311 shows under its channel in the list and dashboard."""

from __future__ import annotations

import re

from core.partners import create_partner, submit_for_partner
from core.services import Submission


def test_partner_feedback_in_the_inbox_page_and_dashboard(app, session, make_officer,
                                                          make_feedback, login) -> None:
    partner, _ = create_partner(session, "Gazeti App")
    filed = submit_for_partner(session, partner, Submission(
        kind="complaint", channel="partner", institution_code="TRA",
        description="Foleni ndefu ofisini kwa wiki mbili"))
    session.commit()
    make_feedback(channel="sms")  # another channel: not counted under the partner
    officer = make_officer("TRA", role="admin")
    client = login(officer)
    inbox = client.get("/admin/?channel=partner").get_data(as_text=True)
    assert filed.reference in inbox and "Mshirika: Gazeti App" in inbox
    page = client.get(f"/admin/f/{filed.reference}").get_data(as_text=True)
    assert re.search(r'id="channel">Mshirika: Gazeti App<', page)
    board = client.get("/admin/dashboard").get_data(as_text=True)
    by_partner = board[board.index('id="by-partner"'):]
    assert re.search(r"Mshirika: Gazeti App</td><td>1</td>", by_partner)
