"""The desk through the test client: the inbox, taking and giving, notes, flash, picker, team."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from core import desk, services
from core.models import Feedback, OutboundMessage
from tests.admin.conftest import post


def body(resp) -> str:
    return resp.get_data(as_text=True)


def queue_refs(html: str) -> list[str]:
    table = html.split('id="queue"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"/admin/f/(\d{10})", table)


def test_inbox_opens_on_open_work_with_counts_and_nav(login, make_officer, make_feedback,
                                                      session) -> None:
    officer = make_officer("TRA", language="en")
    late, fresh, closed = make_feedback(), make_feedback(), make_feedback()
    late.due_at = datetime.now(UTC) - timedelta(days=2)
    services.answer_feedback(session, closed, officer, "Jibu.")
    services.close_feedback(session, closed, officer)
    desk.take_feedback(session, fresh, officer)
    session.commit()
    html = body(login(officer).get("/admin/"))
    assert queue_refs(html) == [late.reference, fresh.reference]  # overdue first, no closed
    assert "2 days late" in html
    counts = html.split('id="counts"', 1)[1].split("</nav>", 1)[0]
    assert counts.index("Overdue") < counts.index("Received")
    assert re.search(r'id="nav-mine">My items <span class="count">1<', html)
    assert re.search(r'id="nav-unassigned">Unassigned <span class="count">1<', html)
    assert re.search(r'id="nav-overdue">Overdue <span class="count hot">1<', html)
    everything = body(login(officer).get("/admin/?status=all"))
    assert closed.reference in queue_refs(everything)


def test_the_holder_and_how_long_is_shown(login, make_officer, make_feedback, session) -> None:
    officer = make_officer("TRA", name="Zawadi Mollel", language="en")
    fb = make_feedback()
    desk.take_feedback(session, fb, officer, now=datetime.now(UTC) - timedelta(days=3))
    session.commit()
    html = body(login(officer).get("/admin/?assignee=me"))
    assert queue_refs(html) == [fb.reference] and "Zawadi Mollel" in html and "3 days" in html


def test_take_flashes_in_the_officers_language(login, make_officer, make_feedback,
                                               session) -> None:
    fb = make_feedback()
    client = login(make_officer("TRA"))  # Swahili
    page = f"/admin/f/{fb.reference}"
    resp = post(client, page + "/take", page=page)
    assert resp.status_code == 303
    assert f"Sasa unashikilia {fb.reference}." in body(client.get(resp.headers["Location"]))
    assert session.scalars(select(OutboundMessage.purpose).where(
        OutboundMessage.feedback_id == fb.id)).all() == ["reference", "interim"]


def test_a_transfer_out_of_scope_lands_on_the_inbox_saying_where(login, make_officer,
                                                                 make_feedback) -> None:
    fb = make_feedback()
    client = login(make_officer("TRA", language="en"))
    page = f"/admin/f/{fb.reference}"
    resp = post(client, page + "/transfer", {"to": "NIDA", "note": "Ni ya NIDA"}, page=page)
    assert resp.status_code == 303 and resp.headers["Location"] == "/admin/"
    html = body(client.get("/admin/"))
    assert "Transferred to National Identification Authority." in html
    assert fb.reference not in queue_refs(html)


def test_assign_to_a_colleague_and_a_refusal_is_explained(login, make_officer, make_feedback,
                                                          session) -> None:
    fb = make_feedback()
    officer, colleague = make_officer("TRA", language="en"), make_officer("TRA")
    stranger = make_officer("NIDA")
    client = login(officer)
    page = f"/admin/f/{fb.reference}"
    assert colleague.name in body(client.get(page))
    assert post(client, page + "/assign", {"officer": str(colleague.id)},
                page=page).status_code == 303
    session.expire_all()
    assert session.get(Feedback, fb.id).assigned_to_id == colleague.id
    resp = post(client, page + "/assign", {"officer": str(stranger.id)}, page=page)
    assert resp.status_code == 409 and "You may not do this." in body(resp)
    assert post(client, page + "/assign", {"officer": "x" * 50}, page=page).status_code == 400


def test_notes_show_to_the_desk_and_never_leave_it(login, make_officer, make_feedback, client,
                                                   session) -> None:
    fb = make_feedback(name="Asha Juma")
    anon = make_feedback(anonymous=True)
    officer = make_officer("TRA")
    tra = login(officer)
    secret = "Tahadhari: mwananchi ni ndugu wa afisa"
    for f in (fb, anon):
        page = f"/admin/f/{f.reference}"
        assert post(tra, page + "/note", {"text": secret}, page=page).status_code == 303
        assert secret in body(tra.get(page))
    assert login(make_officer("NIDA")).get(f"/admin/f/{fb.reference}").status_code == 404
    assert secret not in body(tra.get("/admin/export.csv?status=all"))
    assert secret not in body(client.get(f"/open311/v2/requests/{fb.reference}.json"))
    assert secret not in json.dumps(body(client.get("/open311/v2/requests.json")))
    assert all(secret not in t for t in session.scalars(select(OutboundMessage.text)))


def test_the_due_date_form_tells_the_citizen(login, make_officer, make_feedback,
                                             session) -> None:
    fb = make_feedback()
    client = login(make_officer("TRA"))
    page = f"/admin/f/{fb.reference}"
    day = (datetime.now(UTC) + timedelta(days=30)).date()
    resp = post(client, page + "/due", {"day": day.isoformat(), "reason": "Tunasubiri benki"},
                page=page)
    assert resp.status_code == 303
    [sms] = session.scalars(select(OutboundMessage.text).where(
        OutboundMessage.purpose == "due_changed")).all()
    assert "Tunasubiri benki" in sms
    assert post(client, page + "/due", {"day": "not a day", "reason": "x"},
                page=page).status_code == 400


def test_the_picker_finds_by_a_few_letters_grouped_and_sorted(login, make_officer,
                                                              make_feedback) -> None:
    fb = make_feedback()
    client = login(make_officer("TRA", language="en"))
    html = body(client.get(f"/admin/f/{fb.reference}?to_q=vitambul"))
    picker = html.split("data-picker ", 1)[1].split("</div>", 1)[0]
    assert 'value="NIDA"' in picker and 'value="TANESCO"' not in picker
    assert "<legend>Agencies</legend>" in picker
    whole = body(client.get(f"/admin/f/{fb.reference}"))
    names = re.findall(r'<legend>Local government authorities</legend>(.*?)</fieldset>', whole,
                       re.S)[0]
    listed = re.findall(r'value="[^"]+"[^>]*> ([^<]+?)(?: <span|</label>)', names)
    assert len(listed) > 100 and listed == sorted(listed, key=str.casefold)
    assert 'value="TRA"' not in whole.split("data-picker ", 1)[1]  # not to itself
    assert "<select" not in whole.split('id="transfer"', 1)[1].split("</form>", 1)[0]


def test_team_page_for_heads_only(login, make_officer, make_feedback, session) -> None:
    officer, head = make_officer("TRA", name="Juma Kessy"), make_officer("TRA", role="head")
    fb = make_feedback()
    desk.take_feedback(session, fb, officer)
    session.commit()
    assert login(officer).get("/admin/team").status_code == 404
    html = body(login(head).get("/admin/team"))
    assert "Juma Kessy" in html and "<td>1</td>" in html


def test_history_reads_as_sentences_and_views_fold(login, make_officer, make_feedback) -> None:
    fb = make_feedback(institution_code="LGA-BAHI-DC")
    client = login(make_officer("LGA-BAHI-DC", name="Rehema Kapinga", language="en"))
    page = f"/admin/f/{fb.reference}"
    for _ in range(3):
        client.get(page)
    html = body(client.get(page))
    history = html.split('id="history"', 1)[1].split("</table>", 1)[0]
    assert "Received by SMS for Bahi District Council." in history
    assert "LGA-BAHI-DC" not in history and "channel:" not in history
    assert history.count("Opened by Rehema Kapinga.") == 1 and "(4 times)" in history


def test_times_are_dar_es_salaam_time(login, make_officer, make_feedback, session) -> None:
    fb = make_feedback()
    fb.created_at = datetime(2026, 3, 2, 22, 30, tzinfo=UTC)  # 01:30 the next day in Dar
    session.commit()
    html = body(login(make_officer("TRA")).get(f"/admin/f/{fb.reference}"))
    assert "2026-03-03 01:30" in html and "2026-03-02 22:30" not in html


def test_walk_in_kinds_are_translated(login, make_officer) -> None:
    html = body(login(make_officer("TRA")).get("/admin/walk-in"))
    assert '<option value="complaint">Lalamiko</option>' in html
