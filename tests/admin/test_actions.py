"""Each action through the test client against the real database, and what a refusal leaves."""

from __future__ import annotations

import csv
import io

from sqlalchemy import func, select

from core.models import Event, Feedback, OutboundMessage, ReplyTemplate
from core.services import appeal_feedback, start_feedback
from tests.admin.conftest import post


def events(session, feedback) -> list[str]:
    session.expire_all()
    return list(session.scalars(select(Event.kind).where(
        Event.feedback_id == feedback.id).order_by(Event.id)))


def reload(session, feedback) -> Feedback:
    session.expire_all()
    return session.get(Feedback, feedback.id)


def test_opening_records_viewed_and_shows_history(login, make_officer, make_feedback,
                                                  session) -> None:
    fb = make_feedback(name="Asha Juma")
    client = login(make_officer("TRA"))
    body = client.get(f"/admin/f/{fb.reference}").get_data(as_text=True)
    assert fb.description in body and "Asha Juma" in body
    assert "<td>namba ya kumbukumbu</td>" in body  # the SMS, its purpose in Swahili
    assert events(session, fb) == ["created", "sms_queued", "viewed"]


def test_start_answer_close(login, make_officer, make_feedback, session) -> None:
    fb = make_feedback()
    client = login(make_officer("TRA"))
    page = f"/admin/f/{fb.reference}"
    assert post(client, page + "/start", page=page).status_code == 303
    assert reload(session, fb).status == "in_progress"
    resp = post(client, page + "/answer", {"text": "TIN yako iko tayari."}, page=page)
    assert resp.status_code == 303
    fb = reload(session, fb)
    assert fb.status == "answered" and fb.answer == "TIN yako iko tayari."
    assert session.scalar(select(func.count()).select_from(OutboundMessage).where(
        OutboundMessage.feedback_id == fb.id, OutboundMessage.purpose == "answer")) == 1
    assert post(client, page + "/close", page=page).status_code == 303
    assert reload(session, fb).status == "closed"
    assert events(session, fb)[-3:] == ["status_changed", "answered", "closed"] or \
        "closed" in events(session, fb)


def test_answer_with_a_saved_reply(login, make_officer, make_feedback, session) -> None:
    officer = make_officer("TRA")
    fb = make_feedback()
    client = login(officer)
    assert post(client, "/admin/templates", {"title": "TIN tayari",
                                             "text": "TIN yako iko tayari ofisini."},
                page="/admin/templates").status_code == 303
    tpl = session.scalar(select(ReplyTemplate))
    page = f"/admin/f/{fb.reference}"
    assert "TIN tayari" in client.get(page).get_data(as_text=True)
    assert post(client, page + "/answer", {"text": "", "template": str(tpl.id)},
                page=page).status_code == 303
    assert reload(session, fb).answer == "TIN yako iko tayari ofisini."


def test_transfer_with_note(login, make_officer, make_feedback, session) -> None:
    fb = make_feedback()
    client = login(make_officer("TRA"))
    page = f"/admin/f/{fb.reference}"
    resp = post(client, page + "/transfer", {"to": "NIDA", "note": "Hii ni ya NIDA"}, page=page)
    assert resp.status_code == 303 and resp.headers["Location"] == "/admin/"
    fb = reload(session, fb)
    assert fb.institution.code == "NIDA" and "transferred" in events(session, fb)
    # Now out of the TRA officer's scope.
    assert client.get(page).status_code == 404


def test_reject_needs_a_reason_and_a_refusal_changes_nothing(login, make_officer,
                                                             make_feedback, session) -> None:
    fb = make_feedback()
    client = login(make_officer("TRA"))
    page = f"/admin/f/{fb.reference}"
    before = events(session, fb)
    resp = post(client, page + "/reject", {"reason": "x"}, page=page)
    assert resp.status_code == 409 and 'class="error"' in resp.get_data(as_text=True)
    assert reload(session, fb).status == "received"
    assert events(session, fb) == before + ["viewed"]  # only the page view
    assert post(client, page + "/reject", {"reason": "Matusi tu"}, page=page).status_code == 303
    assert reload(session, fb).status == "rejected"


def test_illegal_step_is_refused_with_the_reason(login, make_officer, make_feedback,
                                                 session) -> None:
    fb = make_feedback()
    client = login(make_officer("TRA"))
    page = f"/admin/f/{fb.reference}"
    resp = post(client, page + "/close", page=page)
    assert resp.status_code == 409
    body = resp.get_data(as_text=True)  # in the officer's language, not the core's English
    assert "Mrejesho huu hauwezi kuchukua hatua hiyo katika hali yake." in body
    assert "cannot become closed" not in body
    assert reload(session, fb).status == "received"


def test_appeal_is_answered_at_the_parent_by_another_officer(login, make_officer,
                                                             make_feedback, session) -> None:
    fb = make_feedback(institution_code="TRA")
    first = make_officer("TRA")
    client = login(first)
    page = f"/admin/f/{fb.reference}"
    assert post(client, page + "/answer", {"text": "Jibu la kwanza"}, page=page).status_code == 303
    fb = reload(session, fb)
    appeal_feedback(session, fb, "0712345678", "Sijaridhika na jibu")
    session.commit()
    fb = reload(session, fb)
    parent = fb.appeal_institution
    # The first answerer is refused and shown why; nothing changes.
    if parent.id == fb.institution_id or first.institution_id == parent.id:
        resp = post(client, page + "/answer", {"text": "Jibu tena"}, page=page)
        assert resp.status_code == 409 and "did not give the first answer" in resp.get_data(
            as_text=True)
        assert reload(session, fb).status == "appealed"
    other = login(make_officer(parent.code, "head"))
    resp = post(other, page + "/answer", {"text": "Jibu la rufaa"}, page=page)
    assert resp.status_code == 303
    assert reload(session, fb).status == "answered"


def test_walk_in_with_and_without_a_number(login, make_officer, session) -> None:
    client = login(make_officer("TRA"))
    resp = post(client, "/admin/walk-in", {"kind": "complaint", "institution": "TRA",
                                           "description": "Foleni ndefu ofisini",
                                           "phone": "0713000111", "language": "sw"})
    assert resp.status_code == 303
    fb = session.scalar(select(Feedback).where(Feedback.channel == "walk-in"))
    assert fb.submitter_phone == "+255713000111"
    assert session.scalar(select(OutboundMessage.purpose).where(
        OutboundMessage.feedback_id == fb.id)) == "reference"
    resp = post(client, "/admin/walk-in", {"kind": "inquiry", "institution": "TRA",
                                           "description": "Bila namba", "language": "sw"})
    assert resp.status_code == 303
    resp = post(client, "/admin/walk-in", {"kind": "inquiry", "institution": "TRA",
                                           "description": "Namba mbaya", "phone": "12"})
    assert resp.status_code == 409 and 'class="error"' in resp.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Feedback)) == 2


def test_anonymous_feedback_shows_no_number_or_name(login, make_officer, make_feedback) -> None:
    fb = make_feedback(anonymous=True, phone="0754321987", name="Siri")
    client = login(make_officer("TRA", language="en"))
    for path in (f"/admin/f/{fb.reference}", "/admin/", "/admin/export.csv",
                 f"/admin/?q={fb.reference}"):
        body = client.get(path).get_data(as_text=True)
        assert "754321987" not in body and "Siri" not in body, path


def test_inbox_filters_search_and_keyset_pages(login, make_officer, make_feedback) -> None:
    made = [make_feedback(description=f"Maji hakuna namba {i}", kind="complaint", channel="web")
            for i in range(30)]
    make_feedback(description="Barabara mbovu", kind="suggestion", channel="ussd")
    client = login(make_officer("TRA"))
    first = client.get("/admin/").get_data(as_text=True)
    assert first.count("/admin/f/") == 25 and 'rel="next"' in first
    nxt = first.split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&")
    second = client.get(nxt).get_data(as_text=True)
    assert second.count("/admin/f/") == 6
    assert client.get("/admin/?kind=suggestion").get_data(as_text=True).count("/admin/f/") == 1
    assert client.get("/admin/?channel=ussd").get_data(as_text=True).count("/admin/f/") == 1
    assert client.get("/admin/?q=barabara").get_data(as_text=True).count("/admin/f/") == 1
    found = client.get(f"/admin/?q={made[3].reference}").get_data(as_text=True)
    assert found.count("/admin/f/") == 1 and made[3].reference in found
    assert client.get("/admin/?overdue=1").get_data(as_text=True).count("/admin/f/") == 0
    assert client.get("/admin/?status=closed").get_data(as_text=True).count("/admin/f/") == 0
    assert client.get("/admin/?since=2000-01-01&until=2000-01-02&after=garbage").status_code == 200


def test_export_is_the_filtered_list(login, make_officer, make_feedback) -> None:
    make_feedback(description="=cmd|' /C calc'!A0", kind="complaint")
    make_feedback(description="Ombi la kawaida", kind="suggestion")
    client = login(make_officer("TRA"))
    rows = list(csv.reader(io.StringIO(
        client.get("/admin/export.csv?kind=complaint").get_data(as_text=True))))
    assert len(rows) == 2 and rows[1][9].startswith("'=")


def test_dashboard_counts(login, make_officer, make_feedback) -> None:
    make_feedback()
    make_feedback(kind="suggestion")
    client = login(make_officer("TRA", language="en"))
    body = client.get("/admin/dashboard").get_data(as_text=True)
    assert "<svg" in body and "Overdue" in body and "TRA" in body


def test_dashboard_shows_an_action_at_once(login, make_officer, make_feedback,
                                           session) -> None:
    fb = make_feedback(channel="web")
    officer = make_officer("TRA", language="en")
    client = login(officer)

    def counts() -> list[str]:
        body = client.get("/admin/dashboard").get_data(as_text=True)
        cards = body.split('id="counts"')[1].split("</div>\n</div>")[0]
        return [part.split("</b>")[0] for part in cards.split("<b>")[1:]]

    assert counts() == ["1", "0", "0", "0", "0", "0", "0"]
    start_feedback(session, reload(session, fb), officer)
    session.commit()
    assert counts() == ["0", "1", "0", "0", "0", "0", "0"]
