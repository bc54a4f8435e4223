"""Sema na Kiongozi by SMS (KIONGOZI/LEADER), and the citizen's own STATUS naming a directive."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core import gsm
from core.directives import issue_directive
from core.i18n import translator
from core.models import Event, Feedback, InboundMessage
from core.services import find_feedback
from sms import replies as r
from tests.sms.conftest import PHONE
from tests.sms.test_replies import worst

OTHER = "+255713000111"


def _only_feedback(session) -> Feedback:
    session.expire_all()
    rows = list(session.scalars(select(Feedback)))
    assert len(rows) == 1, rows
    return rows[0]


@pytest.mark.parametrize(("text", "code", "description"), [
    ("KIONGOZI DC Ilala: barabara ya Buguruni imeharibika", "DC-ILALA",
     "barabara ya Buguruni imeharibika"),
    ("leader Ministry of Water: no water for two weeks", "MOWATER",
     "no water for two weeks"),
    ("Kiongozi Mkoa wa Arusha: hospitali haina dawa", "RS-ARUSHA", "hospitali haina dawa"),
    # A council named: its district commissioner's office; an agency: its ministry.
    ("KIONGOZI Meru DC: shule haina walimu", "DC-ARUMERU", "shule haina walimu"),
])
def test_a_message_reaches_the_leaders_office_marked(post_sms, session, outbox, text, code,
                                                     description) -> None:
    assert post_sms(text).status_code == 200
    fb = _only_feedback(session)
    assert (fb.institution.code, fb.description, fb.to_leader) == (code, description, True)
    assert fb.kind == "complaint" and not fb.anonymous and fb.submitter_phone == PHONE
    created = session.scalar(select(Event).where(Event.feedback_id == fb.id))
    assert created.kind == "created" and created.data["to_leader"] is True
    assert fb.reference in outbox(purpose="reference")[0].text


def test_an_agency_named_goes_to_its_ministry(post_sms, session, directory_code) -> None:
    agency, ministry = directory_code
    post_sms(f"KIONGOZI {agency}: huduma ni mbaya sana")
    fb = _only_feedback(session)
    assert fb.institution.code == ministry and fb.to_leader


@pytest.fixture
def directory_code(session) -> tuple[str, str]:
    """An agency whose parent is a ministry, from the shipped directory."""
    from core.models import Institution
    for inst in session.scalars(select(Institution).where(Institution.kind == "agency")
                                .order_by(Institution.code)):
        if inst.parent is not None and inst.parent.kind == "ministry":
            return inst.code, inst.parent.code
    raise AssertionError("no agency under a ministry")


def test_anonymous_keeps_the_number_from_every_officer(post_sms, session, make_officer) -> None:
    post_sms("KIONGOZI SIRI DC Ilala: rushwa katika ofisi ya ardhi")
    fb = _only_feedback(session)
    assert fb.anonymous and fb.to_leader and fb.submitter_name is None
    assert fb.submitter_label() == "anonymous"
    assert fb.submitter_phone == PHONE  # kept only for the citizen's own SMS


def test_an_unknown_office_goes_to_the_central_desk_with_nothing_lost(post_sms, session,
                                                                      outbox) -> None:
    post_sms("LEADER Chief of Somewhere: the bridge fell")
    fb = _only_feedback(session)
    assert (fb.institution.code, fb.to_leader) == ("TRIAGE", True)
    assert fb.description == "Chief of Somewhere: the bridge fell"
    assert outbox()[-1].text == r.render("en", r.LEADER_TO_CENTRAL)


@pytest.mark.parametrize("text", ["KIONGOZI", "leader:", "KIONGOZI DC Ilala:"])
def test_a_message_without_words_gets_the_usage_and_files_nothing(post_sms, session, outbox,
                                                                  text) -> None:
    post_sms(text)
    session.expire_all()
    assert session.scalar(select(Feedback)) is None
    msg = session.scalar(select(InboundMessage))
    assert msg.command == "leader" and msg.handled_at is not None
    lang = "en" if text.startswith("leader") else "sw"
    assert outbox()[-1].text == r.render(lang, r.LEADER_USAGE)


def _directed(session, make_officer, share: bool) -> Feedback:
    fb = find_feedback(session, _only_feedback(session).reference)
    leader = make_officer("TRA", role="oversight")
    issue_directive(session, fb, leader, "Jibuni ndani ya siku tatu", 3, share=share)
    session.commit()
    return fb


@pytest.mark.parametrize("share", [False, True])
def test_status_names_a_directive_to_the_sender_only(post_sms, session, outbox, make_officer,
                                                     share) -> None:
    post_sms("LALAMIKO TRA: TIN yangu haijatoka")
    fb = _directed(session, make_officer, share)
    post_sms(f"HALI {fb.reference}")
    t = translator("sw")
    notice = (t._("A leader directed: %(text)s", text="Jibuni ndani ya siku tatu") if share
              else t._("A leader has given a directive on it."))
    assert outbox()[-1].text.endswith(gsm.to_gsm7(notice)), outbox()[-1].text
    post_sms(f"STATUS {fb.reference}", phone=OTHER)
    other = outbox(OTHER)[-1].text
    assert "agizo" not in other.lower() and "directive" not in other.lower()
    assert "Jibuni" not in other


def test_status_without_a_directive_is_unchanged(post_sms, session, outbox) -> None:
    post_sms("LALAMIKO TRA: TIN yangu haijatoka")
    fb = _only_feedback(session)
    post_sms(f"HALI {fb.reference}")
    assert "agizo" not in outbox()[-1].text.lower()


@pytest.fixture(scope="module")
def longest_short_name(app) -> dict[str, str]:
    from core.models import Institution
    with app.extensions["db"].sessionmaker() as s:
        insts = list(s.scalars(select(Institution)))
    return {lang: max((i.short_name(lang) for i in insts), key=len) for lang in ("sw", "en")}


@pytest.mark.parametrize("lang", ["sw", "en"])
def test_new_replies_fit_their_segments(lang, longest_short_name) -> None:
    t = translator(lang)
    for msgid in (r.LEADER_USAGE, r.LEADER_TO_CENTRAL):
        text = t._(msgid)
        assert gsm.is_gsm7(text) and gsm.segments(text) == 1, text
    values = worst(lang, longest_short_name)
    values["directive"] = t._("A leader has given a directive on it.")
    for msgid in (r.STATUS_DIRECTIVE, r.STATUS_ESCALATED_DIRECTIVE):
        text = t._(msgid, **values)
        assert gsm.is_gsm7(text) and gsm.segments(text) <= 2, text
        assert r.render(lang, msgid, **values) == gsm.to_gsm7(text)


def test_the_leaders_answer_goes_back_by_sms_and_can_be_appealed(post_sms, session, outbox,
                                                                 make_officer) -> None:
    from core.services import answer_feedback
    post_sms("KIONGOZI DC Ilala: soko halina choo kwa miezi mitatu")
    fb = find_feedback(session, _only_feedback(session).reference)
    answer_feedback(session, fb, make_officer("DC-ILALA", "officer"), "Choo kitajengwa mwezi huu")
    session.commit()
    answer = outbox(purpose="answer")
    assert len(answer) == 1 and "Choo kitajengwa mwezi huu" in answer[0].text
    post_sms(f"RUFAA {fb.reference} bado hakijajengwa")
    session.expire_all()
    fb = find_feedback(session, fb.reference)
    assert fb.status == "appealed" and fb.to_leader
    assert fb.appeal_institution is not None and fb.appeal_institution.code == "RS-DAR"


@pytest.mark.parametrize(("text", "lang", "keyword"), [("MSAADA", "sw", "KIONGOZI"),
                                                       ("HELP", "en", "LEADER")])
def test_help_names_the_leader_keyword_in_one_sms(post_sms, outbox, text, lang,
                                                  keyword) -> None:
    """The help reply is how a citizen learns the keywords: it names Sema na Kiongozi's too,
    and still fits one GSM-7 SMS; the word it names is one the parser takes as a leader's."""
    from sms.parser import parse
    post_sms(text)
    reply = outbox()[-1].text
    assert f" {keyword}, " in reply, reply
    assert gsm.is_gsm7(reply) and gsm.segments(reply) == 1 and not reply.endswith("..."), reply
    assert parse(f"{keyword} DC Ilala: maji hakuna").action == "leader"
