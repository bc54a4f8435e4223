"""Directives: who may issue, report and review them, their status table, Events and reminders."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core import directives, sla
from core.directives import DirectiveStatus
from core.errors import IllegalTransition, InvalidFeedback, NotAllowed, UnknownFeedback
from core.models import Event, OutboundMessage, utcnow


@pytest.fixture
def bahi(make_feedback):
    """A complaint to Bahi District Council, under the Dodoma regional secretariat."""
    return make_feedback(institution_code="LGA-BAHI-DC")


def events(feedback) -> list[str]:
    return [e.kind for e in feedback.events if e.kind.startswith("directive")]


def test_a_regional_head_directs_a_council_and_the_steps_are_events(session, make_officer,
                                                                    bahi) -> None:
    rc = make_officer("RS-DODOMA", "head", name="Mkuu wa Mkoa")
    desk = make_officer("LGA-BAHI-DC", "officer", name="Afisa Bahi")
    d = directives.issue_directive(session, bahi, rc, "Fix the borehole this week", days=5)
    assert d.status == DirectiveStatus.ISSUED and d.institution.code == "LGA-BAHI-DC"
    assert d.due_at == sla.add_working_days(d.created_at, 5)
    directives.report_directive(session, d, desk, "The borehole pump was replaced")
    directives.review_directive(session, d, rc, accept=False, reason="Send a photo of it")
    assert d.status == DirectiveStatus.RETURNED and d.return_reason == "Send a photo of it"
    directives.report_directive(session, d, desk, "Photo sent with the district engineer")
    directives.review_directive(session, d, rc, accept=True)
    session.commit()
    session.refresh(bahi)
    assert d.status == DirectiveStatus.DONE and d.done_at is not None
    assert events(bahi) == ["directive_issued", "directive_reported", "directive_returned",
                            "directive_reported", "directive_accepted"]
    actors = [e.actor for e in bahi.events if e.kind.startswith("directive")]
    assert actors == ["Mkuu wa Mkoa", "Afisa Bahi", "Mkuu wa Mkoa", "Afisa Bahi",
                      "Mkuu wa Mkoa"]


@pytest.mark.parametrize(("institution", "role", "allowed"), [
    ("RS-DODOMA", "head", True),       # the region above the council
    ("PO-PSMGG", "oversight", True),    # oversight anywhere
    ("LGA-BAHI-DC", "head", False),    # the council's own head directs no one above
    ("RS-DODOMA", "officer", False),   # an officer is no leader
    ("RS-TANGA", "head", False),       # another region's leader
])
def test_who_may_give_a_directive(session, make_officer, bahi, institution, role,
                                  allowed) -> None:
    officer = make_officer(institution, role)
    assert directives.may_issue(session, officer, bahi) is allowed
    if allowed:
        directives.issue_directive(session, bahi, officer, "Answer the citizen", days=3)
    else:
        with pytest.raises(NotAllowed):
            directives.issue_directive(session, bahi, officer, "Answer the citizen", days=3)


def test_only_the_directed_institution_reports_and_only_the_issuer_reviews(
        session, make_officer, bahi) -> None:
    rc = make_officer("RS-DODOMA", "head")
    other_rc = make_officer("RS-DODOMA", "head")
    stranger = make_officer("TRA", "officer")
    desk = make_officer("LGA-BAHI-DC", "officer")
    d = directives.issue_directive(session, bahi, rc, "Answer the citizen", days=3)
    with pytest.raises(NotAllowed):
        directives.report_directive(session, d, stranger, "We did it already")
    with pytest.raises(IllegalTransition):
        directives.review_directive(session, d, rc, accept=True)  # nothing reported yet
    directives.report_directive(session, d, desk, "We answered by phone")
    with pytest.raises(NotAllowed):
        directives.review_directive(session, d, other_rc, accept=True)
    with pytest.raises(IllegalTransition):
        directives.report_directive(session, d, desk, "Reported twice")
    with pytest.raises(InvalidFeedback):
        directives.review_directive(session, d, rc, accept=False, reason="")


def test_refusals_leave_the_directive_as_it_was(session, make_officer, bahi) -> None:
    rc = make_officer("RS-DODOMA", "head")
    with pytest.raises(InvalidFeedback):
        directives.issue_directive(session, bahi, rc, "Do", days=3)
    with pytest.raises(InvalidFeedback):
        directives.issue_directive(session, bahi, rc, "Answer the citizen", days=0)
    with pytest.raises(NotAllowed):  # an institution outside the leader's region
        directives.issue_directive(session, bahi, rc, "Answer the citizen", days=3,
                                   to_code="LGA-PANGANI-DC")
    session.rollback()
    assert directives.for_feedback(session, bahi) == []


def test_the_status_table_is_the_only_judge() -> None:
    for status in DirectiveStatus:
        for target in DirectiveStatus:
            if target in directives.TRANSITIONS[status]:
                directives.check_directive_transition(status.value, target)
            else:
                with pytest.raises(IllegalTransition):
                    directives.check_directive_transition(status.value, target)


def test_a_directive_is_seen_by_its_parties_only(session, make_officer, bahi) -> None:
    rc = make_officer("RS-DODOMA", "head")
    desk = make_officer("LGA-BAHI-DC", "officer")
    d = directives.issue_directive(session, bahi, rc, "Answer the citizen", days=3)
    session.commit()
    assert directives.get_directive(session, desk, d.id) is d
    assert directives.get_directive(session, rc, d.id) is d
    with pytest.raises(UnknownFeedback):
        directives.get_directive(session, make_officer("TRA", "officer"), d.id)
    given, received = directives.for_officer(session, rc)
    assert given == [d] and received == []
    assert directives.for_officer(session, desk)[1] == [d]
    assert directives.open_directive_feedback_ids(session, [bahi.id, bahi.id + 1]) == {bahi.id}


def test_overdue_directives_are_reminded_once_a_day_to_the_institution(
        session, make_officer, bahi) -> None:
    rc = make_officer("RS-DODOMA", "head")
    make_officer("LGA-BAHI-DC", "officer", phone="+255713000001", language="en")
    make_officer("LGA-BAHI-DC", "head", phone="+255713000002")
    make_officer("LGA-BAHI-DC", "officer")  # no number: sees it in the admin only
    d = directives.issue_directive(session, bahi, rc, "Answer the citizen", days=1)
    session.commit()
    assert directives.send_directive_reminders(session, d.due_at - timedelta(minutes=1)) == 0
    later = d.due_at + timedelta(hours=1)
    assert directives.send_directive_reminders(session, later) == 2
    assert directives.send_directive_reminders(session, later + timedelta(minutes=5)) == 0
    texts = sorted(session.scalars(select(OutboundMessage.text).where(
        OutboundMessage.purpose == "directive_reminder")))
    assert len(texts) == 2 and all(bahi.reference in t for t in texts)
    assert any("overdue directives" in t for t in texts)
    assert d.id in [e.id for e in session.scalars(select(type(d)).where(
        directives.overdue_clause(later)))]
    directives.report_directive(session, d, make_officer("LGA-BAHI-DC", "officer"), "Done now")
    assert list(session.scalars(select(type(d)).where(directives.overdue_clause(later)))) == []


def test_the_citizen_is_told_a_directive_was_given_not_its_text(session, make_officer,
                                                                bahi) -> None:
    rc = make_officer("RS-DODOMA", "head")
    assert directives.citizen_notice(session, bahi, "en") is None
    directives.issue_directive(session, bahi, rc, "Discipline the clerk", days=3)
    notice = directives.citizen_notice(session, bahi, "en")
    assert notice and "Discipline" not in notice and "directive" in notice
    directives.issue_directive(session, bahi, rc, "Repair the pump", days=3, share=True)
    assert "Repair the pump" in (directives.citizen_notice(session, bahi, "sw") or "")


def test_issuing_writes_one_event_with_the_due_date(session, make_officer, bahi) -> None:
    rc = make_officer("RS-DODOMA", "head")
    d = directives.issue_directive(session, bahi, rc, "Answer the citizen", days=2,
                                   now=utcnow())
    session.commit()
    ev = session.scalar(select(Event).where(Event.kind == "directive_issued"))
    assert ev is not None and ev.data["directive"] == d.id and ev.data["to"] == "LGA-BAHI-DC"
    assert ev.officer_id == rc.id


def test_oversight_directs_but_the_holding_institution_answers(session, make_officer,
                                                               bahi) -> None:
    from core import permits, services

    chief = make_officer("PO-PSMGG", "oversight")
    assert directives.may_issue(session, chief, bahi)
    assert permits.allowed_actions(session, bahi, chief) <= {"start", "close"}
    with pytest.raises(NotAllowed):
        services.answer_feedback(session, bahi, chief, "Tumeshughulikia suala hili")
    desk = make_officer("LGA-BAHI-DC", "officer")
    assert "answer" in permits.allowed_actions(session, bahi, desk)
    assert "answer" in permits.allowed_actions(session, bahi, make_officer("TRIAGE", "admin"))
