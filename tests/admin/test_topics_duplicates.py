"""Topics (an admin's list, counted on the dashboard) and duplicates (linked, answered once)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core import duplicates, topics
from core.errors import InvalidFeedback, InvalidInput, NotAllowed
from core.models import Feedback, OutboundMessage
from tests.admin.conftest import post


def test_topics_start_with_the_defaults_and_only_an_admin_changes_them(session,
                                                                       make_officer) -> None:
    assert [t.code for t in topics.list_topics(session)] == [c for c, _, _ in topics.DEFAULTS]
    with pytest.raises(NotAllowed):
        topics.save_topic(session, make_officer("TRA", role="head"), "mining", "Madini", "Mining")
    admin = make_officer("TRIAGE", role="admin")
    topics.save_topic(session, admin, "mining", "Madini", "Mining")
    topics.save_topic(session, admin, "police", "Polisi", "Police", active=False)
    codes = [t.code for t in topics.list_topics(session)]
    assert "mining" in codes and "police" not in codes
    with pytest.raises(InvalidInput):
        topics.save_topic(session, admin, "Bad Code!", "x", "y")


def test_a_topic_per_feedback_and_the_dashboard_counts_by_topic(login, make_officer,
                                                                make_feedback, session) -> None:
    officer = make_officer("TRA", language="en")
    water, water2, health = make_feedback(), make_feedback(), make_feedback()
    client = login(officer)
    for fb, code in ((water, "water"), (water2, "water"), (health, "health")):
        page = f"/admin/f/{fb.reference}"
        assert post(client, page + "/topic", {"topic": code}, page=page).status_code == 303
    resp = post(client, f"/admin/f/{health.reference}/topic", {"topic": "nope"},
                page=f"/admin/f/{health.reference}")
    assert resp.status_code == 409
    html = client.get("/admin/dashboard").get_data(as_text=True)
    table = html.split('id="by-topic"', 1)[1].split("</table>", 1)[0]
    assert table.index("Water</td><td>2") < table.index("Health</td><td>1")
    other = login(make_officer("NIDA", language="en")).get("/admin/dashboard")
    assert "Water</td>" not in other.get_data(as_text=True)  # counts stay in scope


def test_the_topics_page_is_for_admins(login, make_officer) -> None:
    assert login(make_officer("TRA")).get("/admin/topics").status_code == 404
    client = login(make_officer("TRIAGE", role="admin"))
    assert "Mengineyo" in client.get("/admin/topics").get_data(as_text=True)
    assert post(client, "/admin/topics", {"code": "mining", "name_sw": "Madini",
                                          "name_en": "Mining", "active": "y"},
                page="/admin/topics").status_code == 303
    assert "Madini" in client.get("/admin/topics").get_data(as_text=True)


def test_possible_duplicates_same_number_same_institution_similar_text_14_days(
        session, make_feedback) -> None:
    first = make_feedback(description="Maji hayatoki bomba la mtaa wetu wiki mbili")
    again = make_feedback(description="Maji hayatoki kwenye bomba la mtaa wetu")
    other_text = make_feedback(description="Barabara ya kijiji imeharibika kabisa")
    other_number = make_feedback(phone="0754111222", description=first.description)
    elsewhere = make_feedback(institution_code="NIDA", description=first.description)
    old = make_feedback(description=first.description)
    old.created_at = first.created_at - timedelta(days=15)
    anonymous = make_feedback(anonymous=True, description=first.description)
    session.commit()
    assert duplicates.possible_duplicates(session, again) == [first]
    assert first not in duplicates.possible_duplicates(session, anonymous)
    assert anonymous not in duplicates.possible_duplicates(session, first)
    for f in (other_text, other_number, elsewhere, old):
        assert f not in duplicates.possible_duplicates(session, first)


def test_linked_duplicates_get_the_one_answer(login, make_officer, make_feedback,
                                              session) -> None:
    first = make_feedback(description="Maji hayatoki bomba la mtaa wetu wiki mbili")
    again = make_feedback(description="Maji hayatoki kwenye bomba la mtaa wetu")
    unrelated = make_feedback(description="Barabara ya kijiji imeharibika kabisa")
    officer = make_officer("TRA", language="en")
    with pytest.raises(InvalidFeedback):
        duplicates.link_duplicate(session, unrelated, first, officer)
    client = login(officer)
    page = f"/admin/f/{again.reference}"
    assert first.reference in client.get(page).get_data(as_text=True)
    assert post(client, page + "/link", {"original": first.reference}, page=page).status_code == 303
    assert post(client, page + "/link", {"original": "12"}, page=page).status_code == 404
    first_page = f"/admin/f/{first.reference}"
    assert post(client, first_page + "/answer", {"text": "Fundi anakuja kesho."},
                page=first_page).status_code == 303
    session.expire_all()
    assert session.get(Feedback, again.id).status == "answered"
    answers = session.scalars(select(OutboundMessage.feedback_id).where(
        OutboundMessage.purpose == "answer")).all()
    assert sorted(answers) == sorted([first.id, again.id])
    assert session.get(Feedback, unrelated.id).status == "received"
