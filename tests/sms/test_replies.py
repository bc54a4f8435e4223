"""Every reply, in both languages, with worst-case values: GSM-7, one segment, never three."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core import gsm
from core.i18n import translator
from core.models import Institution, OutboundMessage
from core.services import answer_feedback, transfer_feedback
from sms import replies as r

REF = "9999999999"
ONE_SEGMENT = [r.HELP, r.KEPT, r.NOTHING_TO_CONFIRM, r.EMPTY, r.SUBMIT_USAGE, r.STATUS_USAGE,
               r.APPEAL_USAGE, r.LANGUAGE_USAGE, r.LANGUAGE_SET, r.STOPPED, r.STARTED,
               r.RATE_NONE, r.RATE_WHICH, r.RATE_USAGE, r.RATED, r.RATED_LOW, r.APPEALED, r.STATUS,
               *r.ERRORS.values(), r.GENERIC_ERROR]


@pytest.fixture(scope="module")
def longest_short_name(app) -> dict[str, str]:
    with app.extensions["db"].sessionmaker() as s:
        insts = list(s.scalars(select(Institution)))
    return {lang: max((i.short_name(lang) for i in insts), key=len) for lang in ("sw", "en")}


def worst(lang: str, names: dict[str, str]) -> dict[str, str]:
    return {"ref": REF, "inst": names[lang], "date": "30/12/2026",
            "kind": max((r.kind_name(lang, k) for k in r.KINDS), key=len),
            "status": max((r.status_name(lang, s) for s in r.STATUSES), key=len)}


@pytest.mark.parametrize("lang", ["sw", "en"])
@pytest.mark.parametrize("msgid", ONE_SEGMENT)
def test_every_reply_fits_one_gsm7_segment(lang, msgid, longest_short_name) -> None:
    raw = translator(lang)._(msgid, **worst(lang, longest_short_name)) if "%(" in msgid \
        else translator(lang)._(msgid)
    assert gsm.is_gsm7(raw) and gsm.segments(raw) == 1, (len(raw), raw)
    assert r.render(lang, msgid, **worst(lang, longest_short_name)) == raw


@pytest.mark.parametrize("lang", ["sw", "en"])
def test_core_sms_with_worst_values_fit(lang, longest_short_name) -> None:
    t = translator(lang)
    name = longest_short_name[lang]
    for text in (t._("Thank you. Ref %(ref)s, sent to %(inst)s. To track it, send STATUS "
                     "%(ref)s", ref=REF, inst=name),
                 t._("Ref %(ref)s has been sent on to %(inst)s, who will answer it.",
                     ref=REF, inst=name)):
        assert gsm.is_gsm7(text) and gsm.segments(text) == 1, text


@pytest.mark.parametrize("lang", ["sw", "en"])
def test_a_maximum_length_answer_is_cut_to_two_segments_keeping_the_rating_line(
        session, make_officer, make_feedback, lang) -> None:
    feedback = make_feedback(language=lang)
    answer = ("Tumepokea malalamiko yako na “tumeshughulikia” — " + "maelezo marefu " * 200)
    answer_feedback(session, feedback, make_officer("TRA"), answer[:2000])
    session.commit()
    msg = session.scalar(select(OutboundMessage).where(OutboundMessage.purpose == "answer"))
    assert gsm.is_gsm7(msg.text) and gsm.segments(msg.text) == 2
    tail = translator(lang)._("Ref %(ref)s answer: %(answer)s To rate it reply %(ref)s and 1-5.",
                              ref=feedback.reference, answer="\x00").split("\x00")[1]
    assert msg.text.endswith(tail) and "..." + tail in msg.text
    short = make_feedback(language=lang, phone="0754000222")
    answer_feedback(session, short, make_officer("TRA"), "Karibu ofisini kesho.")
    session.commit()
    one = session.scalar(select(OutboundMessage).where(OutboundMessage.purpose == "answer",
                                                       OutboundMessage.feedback_id == short.id))
    assert gsm.segments(one.text) == 1 and "Karibu ofisini kesho." in one.text


def test_a_transfer_to_the_longest_named_institution_fits(session, make_officer,
                                                          make_feedback) -> None:
    feedback = make_feedback()
    transfer_feedback(session, feedback, make_officer("TRA"), "MCIT", "si yetu")
    session.commit()
    msg = session.scalars(select(OutboundMessage).order_by(OutboundMessage.id.desc())).first()
    assert gsm.segments(msg.text) == 1


@pytest.mark.parametrize("n", [1, 160, 161, 306, 307, 5000])
def test_fit_never_exceeds_two_segments(n: int) -> None:
    text = r.fit("a" * n)
    assert gsm.segments(text) <= 2 and (n <= 306 or text.endswith("..."))
    assert gsm.segments(r.fit("{" * n)) <= 2
    assert r.fit("“quoted” — ok") == "\"quoted\" - ok"
