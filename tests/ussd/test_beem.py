"""Whole sessions through ``POST /ussd/beem``: JSON, only the latest input each hop."""

from __future__ import annotations

from sqlalchemy import func, select

from core.models import Feedback


def test_submit_through_beem_with_a_retry(beem, session) -> None:
    b = beem()
    first = b.hop("initiate", "*152*00#")
    assert first["command"] == "continue"
    assert first["payload"] == {"request_id": 1,
                                "request": "Huduma za Serikali\n9 Huduma kwa wananchi"}
    assert b.hop("continue", "9")["payload"]["request"].startswith("Huduma kwa wananchi")
    assert b.hop("continue", "2")["payload"]["request"].startswith("e-Mrejesho")
    b.hop("continue", "4")                       # Pongezi
    b.hop("continue", "3")                       # search
    b.hop("continue", "tra")
    b.hop("continue", "1")
    b.hop("continue", "Huduma nzuri*sana")
    b.hop("continue", "1")
    b.hop("continue", "2")
    last = b.hop("continue", "1")
    assert last["command"] == "terminate"
    assert last["payload"]["request"].startswith("Asante. Namba yako ya kumbukumbu ni ")
    assert b.hop("continue", "1", request_id=b.request_id) == last          # a retry
    assert session.scalar(select(func.count()).select_from(Feedback)) == 1
    assert session.scalar(select(Feedback.description)) == "Huduma nzuri*sana"


def test_beem_dial_through_and_terminate(beem) -> None:
    b = beem()
    assert b.hop("initiate", "*152*00*9*2#")["payload"]["request"].startswith("e-Mrejesho")
    assert b.hop("terminate")["command"] == "terminate"


def test_beem_malformed(client) -> None:
    resp = client.post("/ussd/beem", data="not json", content_type="application/json")
    assert resp.status_code == 400
    assert resp.get_data(as_text=True) == "the body is not a JSON object\n"
    resp = client.post("/ussd/beem", json={"command": "dance", "msisdn": "1", "session_id": "2",
                                           "payload": {"request_id": 1}})
    assert resp.get_data(as_text=True) == "unknown command 'dance'\n"
