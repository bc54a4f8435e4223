"""The desk's rules: the open-work queue, assignment and its scope, notes, interim replies.

Against the real database; every rule has a case that would fail without it.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from core import desk, queries, queue, services
from core.errors import InvalidFeedback, NotAllowed, UnknownFeedback
from core.localtime import local_date
from core.models import Event, Feedback, OutboundMessage, utcnow


def texts(session, feedback, purpose: str) -> list[str]:
    return list(session.scalars(select(OutboundMessage.text).where(
        OutboundMessage.feedback_id == feedback.id, OutboundMessage.purpose == purpose)))


def refs(page) -> list[str]:
    return [f.reference for f in page.rows]


def test_the_queue_is_open_work_oldest_due_first(session, make_feedback, make_officer) -> None:
    officer = make_officer("TRA")
    late, soon, later = make_feedback(), make_feedback(), make_feedback(kind="suggestion")
    done = make_feedback()
    late.due_at = utcnow() - timedelta(days=3)
    services.answer_feedback(session, done, officer, "Imeshughulikiwa.")
    rejected = make_feedback()
    services.reject_feedback(session, rejected, officer, "Matusi tu")
    session.commit()
    page = queries.inbox_page(session, officer, queries.InboxFilter())
    assert refs(page) == [late.reference, soon.reference, later.reference]
    everything = queries.inbox_page(session, officer, queries.InboxFilter.from_args(
        {"status": "all"}))
    assert set(refs(everything)) == {f.reference for f in (late, soon, later, done, rejected)}
    closed_away = queries.inbox_page(session, officer, queries.InboxFilter.from_args(
        {"status": "rejected"}))
    assert refs(closed_away) == [rejected.reference]


def test_the_open_queue_pages_by_due_date(session, make_feedback, make_officer) -> None:
    officer = make_officer("TRA")
    made = [make_feedback() for _ in range(7)]
    for i, f in enumerate(made):
        f.due_at = utcnow() + timedelta(days=7 - i)  # made last is due first
    session.commit()
    seen: list[str] = []
    after = None
    while True:
        page = queries.inbox_page(session, officer, queries.InboxFilter(), after, limit=3)
        seen += refs(page)
        if page.next_cursor is None:
            break
        after = queries.decode_cursor(page.next_cursor)
    assert seen == [f.reference for f in reversed(made)]


def test_assign_to_an_officer_of_the_handling_institution_only(session, make_feedback,
                                                               make_officer) -> None:
    fb = make_feedback()
    boss, colleague = make_officer("TRA"), make_officer("TRA")
    assert desk.assign_feedback(session, fb, boss, colleague)
    assert fb.assigned_to_id == colleague.id and fb.assigned_at is not None
    with pytest.raises(NotAllowed):
        desk.assign_feedback(session, fb, boss, make_officer("NIDA"))
    with pytest.raises(UnknownFeedback):  # out of scope: as if it did not exist
        desk.assign_feedback(session, fb, make_officer("NIDA"), colleague)
    inactive = make_officer("TRA")
    inactive.active = False
    with pytest.raises(NotAllowed):
        desk.assign_feedback(session, fb, boss, inactive)
    assert not desk.assign_feedback(session, fb, boss, colleague)  # no change, no event
    assert desk.assign_feedback(session, fb, boss, boss)  # reassigned
    desk.assign_feedback(session, fb, boss, None)
    session.commit()
    kinds = [(e.kind, e.data.get("to_name"), e.data.get("previous_name")) for e in
             session.scalars(select(Event).where(Event.feedback_id == fb.id,
                                                 Event.kind.in_(("assigned", "unassigned"))))]
    assert kinds == [("assigned", colleague.name, None), ("assigned", boss.name, colleague.name),
                     ("unassigned", None, boss.name)]


def test_a_head_above_may_assign_but_only_to_the_handling_desk(session, make_feedback,
                                                               make_officer) -> None:
    fb = make_feedback(institution_code="LGA-BAHI-DC")
    parent = fb.institution.parent.code
    head = make_officer(parent, role="head")
    clerk = make_officer("LGA-BAHI-DC")
    desk.assign_feedback(session, fb, head, clerk)
    with pytest.raises(NotAllowed):  # the head's own desk does not handle it...
        desk.assign_feedback(session, fb, head, head)
    fb.escalated = True  # ...until it is escalated to them
    session.flush()
    assert desk.assign_feedback(session, fb, head, head)


def test_closed_feedback_cannot_be_assigned(session, make_feedback, make_officer) -> None:
    fb = make_feedback()
    officer = make_officer("TRA")
    services.answer_feedback(session, fb, officer, "Jibu.")
    with pytest.raises(NotAllowed):
        desk.assign_feedback(session, fb, officer, officer)


def test_a_transfer_clears_the_holder(session, make_feedback, make_officer) -> None:
    fb = make_feedback()
    officer = make_officer("TRA")
    desk.take_feedback(session, fb, officer)
    services.transfer_feedback(session, fb, officer, "NIDA", "Ni ya NIDA")
    session.commit()
    session.expire_all()
    assert session.get(Feedback, fb.id).assigned_to_id is None


def test_take_starts_work_and_the_citizen_gets_one_interim_sms(session, make_feedback,
                                                               make_officer) -> None:
    fb = make_feedback()
    officer, other = make_officer("TRA"), make_officer("TRA")
    desk.take_feedback(session, fb, officer)
    assert fb.status == "in_progress" and fb.assigned_to_id == officer.id
    desk.take_feedback(session, fb, other)  # taken over: no second interim reply
    services.transfer_feedback(session, fb, other, "NIDA", "Ni ya NIDA")
    services.start_feedback(session, fb, make_officer("NIDA"))
    session.commit()
    [interim] = texts(session, fb, "interim")
    assert fb.reference in interim and "TRA" in interim
    assert local_date(sla_due(session, fb)) in interim


def sla_due(session, fb):
    first = session.scalars(select(Event).where(Event.feedback_id == fb.id,
                                                Event.kind == "created")).one()
    from core import sla
    return sla.answer_due(fb.kind, first.at)


def test_the_triage_desk_sends_no_interim_reply(session, make_feedback, make_officer) -> None:
    fb = make_feedback(institution_code="TRIAGE")
    services.start_feedback(session, fb, make_officer("TRIAGE"))
    assert texts(session, fb, "interim") == []


def test_moving_the_due_date_needs_a_reason_and_tells_the_citizen(session, make_feedback,
                                                                  make_officer) -> None:
    fb = make_feedback()
    officer = make_officer("TRA")
    new_day = date.today() + timedelta(days=20)
    with pytest.raises(InvalidFeedback):
        desk.move_due_date(session, fb, officer, new_day, "")
    with pytest.raises(InvalidFeedback):
        desk.move_due_date(session, fb, officer, date.today() - timedelta(days=1), "Sababu")
    desk.move_due_date(session, fb, officer, new_day, "Tunasubiri taarifa za benki")
    session.commit()
    [sms] = texts(session, fb, "due_changed")
    assert new_day.strftime("%d/%m/%Y") in sms and "Tunasubiri taarifa za benki" in sms
    assert local_date(fb.due_at) == new_day.strftime("%d/%m/%Y")


def test_notes_are_for_the_handling_desk_and_leaders_above(session, make_feedback,
                                                           make_officer) -> None:
    fb = make_feedback(institution_code="LGA-BAHI-DC")
    clerk = make_officer("LGA-BAHI-DC")
    desk.add_note(session, fb, clerk, "Mwananchi huyu alipiga simu jana")
    head = make_officer(fb.institution.parent.code, role="head")
    assert [n.text for n in desk.notes_for(session, fb, head)] == [
        "Mwananchi huyu alipiga simu jana"]
    with pytest.raises(UnknownFeedback):
        desk.notes_for(session, fb, make_officer("TRA"))
    with pytest.raises(UnknownFeedback):
        desk.add_note(session, fb, make_officer("TRA"), "Siwezi")
    [event] = [e for e in fb.events if e.kind == "note_added"]
    assert "Mwananchi" not in str(event.data)  # the history says a note exists, not its words


def test_nav_counts_and_holders(session, make_feedback, make_officer) -> None:
    officer, head = make_officer("TRA"), make_officer("TRA", role="head")
    mine, free, late = make_feedback(), make_feedback(), make_feedback()
    late.due_at = utcnow() - timedelta(days=1)
    desk.take_feedback(session, mine, officer)
    desk.assign_feedback(session, late, head, officer)
    session.commit()
    assert queue.nav_counts(session, officer) == queue.NavCounts(mine=2, unassigned=1, overdue=1)
    assert [(h.officer.id, h.items) for h in queue.holders(session, head)] == [(officer.id, 2)]
    mine_page = queries.inbox_page(session, officer, queries.InboxFilter.from_args(
        {"assignee": "me"}))
    free_page = queries.inbox_page(session, officer, queries.InboxFilter.from_args(
        {"assignee": "none"}))
    assert set(refs(mine_page)) == {mine.reference, late.reference}
    assert refs(free_page) == [free.reference]
    assert queue.holders(session, make_officer("NIDA", role="head")) == []


@pytest.mark.parametrize("query", ["part", "phone", "name", "words"])
def test_search_finds_reference_part_phone_name_and_words(session, make_feedback,
                                                          make_officer, query) -> None:
    officer = make_officer("TRA")
    fb = make_feedback(phone="0754111222", name="Baraka Shabani",
                       description="Kodi ya majengo imepanda")
    make_feedback(phone="0688999000", name="Neema Kileo", description="Risiti hazitoki")
    q = {"part": fb.reference[2:8], "phone": "0754 111 222", "name": "baraka",
         "words": "majengo kodi"}[query]
    page = queries.inbox_page(session, officer, queries.InboxFilter.from_args({"q": q}))
    assert refs(page) == [fb.reference]


def test_search_never_finds_an_anonymous_submitter_by_number_or_name(session, make_feedback,
                                                                     make_officer) -> None:
    officer = make_officer("TRA")
    make_feedback(phone="0754111222", name="Baraka Shabani", anonymous=True)
    for q in ("0754111222", "+255754111222", "Baraka"):
        page = queries.inbox_page(session, officer, queries.InboxFilter.from_args({"q": q}))
        assert refs(page) == [], q
