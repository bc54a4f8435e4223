"""Sema na Kiongozi and a leader's directive over the real USSD callback, database and Redis."""

from __future__ import annotations

from core.directives import issue_directive
from core.services import find_feedback
from tests.ussd.conftest import PHONE

OTHER = "+255713000222"


def _to_list(s, level: str) -> str:
    """From the e-Mrejesho menu through item 9 and a level to its first list of offices."""
    leader = s.send("9")
    assert leader.startswith("CON Sema na Kiongozi\n1 Waziri (wizara)\n"), leader
    screen = s.send(level)
    return s.send("1") if "herufi za kwanza" in screen else screen


def test_a_district_commissioner_gets_it_marked_and_anonymous(at, session) -> None:
    s = at()
    s.dial("9*2")
    regions = _to_list(s, "3")
    assert regions.startswith("CON Mkoa:\n1 "), regions  # a run of regions (issue 21's rule)
    districts = s.send("1")
    assert districts.startswith("CON Wakuu wa Wilaya, ") and "\n1 " in districts, districts
    desc = s.send("1")
    assert desc.startswith("CON Eleza kwa DC ") and "SMS" not in desc
    s.send("Barabara ya kijiji imeharibika kabisa")
    s.send("1")
    s.send("2")                          # anonymous
    done = s.send("1")
    assert done.startswith("END Asante. Namba yako ya kumbukumbu ni "), done
    feedback = find_feedback(session, done.split("ni ")[1][:10])
    assert feedback.to_leader and feedback.anonymous and feedback.channel == "ussd"
    assert feedback.institution.kind == "district"
    assert feedback.submitter_label() == "anonymous"


def test_a_minister_is_chosen_from_the_ministries(at, session) -> None:
    s = at()
    s.dial("9*2")
    ministries = _to_list(s, "1")
    assert ministries.startswith("CON Wizara "), ministries
    s.send("1")
    s.send("Hospitali haina dawa kwa mwezi mzima")
    s.send("1")
    s.send("1")                          # known, with my number
    s.send("1")                          # no name
    done = s.send("1")
    feedback = find_feedback(session, done.split("ni ")[1][:10])
    assert feedback.to_leader and feedback.institution.kind == "ministry"
    assert not feedback.anonymous and feedback.submitter_phone == PHONE


def test_tracking_says_a_leader_gave_a_directive_to_the_sender_only(
        at, session, make_feedback, make_officer) -> None:
    feedback = make_feedback(channel="ussd", phone=PHONE)
    leader = make_officer("TRA", role="oversight")
    issue_directive(session, feedback, leader, "Jibuni ndani ya siku tatu", 3)
    session.commit()
    s = at()
    s.dial("9*2")
    s.send("6")
    status = s.send(feedback.reference)
    assert status.startswith("CON ") and "\n98 Soma agizo\n" in status, status
    page = s.send("98")
    assert page.startswith("CON Kiongozi (1/1): Kiongozi ametoa agizo juu yake."), page
    assert "Jibuni" not in page         # not shared: the text stays with the institution
    other = at(phone=OTHER)
    other.dial("9*2")
    other.send("6")
    theirs = other.send(feedback.reference)
    assert theirs.startswith("END ") and "agizo" not in theirs.lower()
