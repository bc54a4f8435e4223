"""Every reply, in both languages, with worst-case values: GSM-7, one segment, never three."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core import gsm
from core.errors import InvalidFeedback
from core.i18n import translator
from core.models import Institution, OutboundMessage
from core.services import answer_feedback, transfer_feedback
from sms import replies as r

REF = "9999999999"
ONE_SEGMENT = [r.HELP, r.KEPT, r.NOTHING_TO_CONFIRM, r.EMPTY, r.SUBMIT_USAGE, r.STATUS_USAGE,
               r.APPEAL_USAGE, r.LANGUAGE_USAGE, r.LANGUAGE_SET, r.STOPPED, r.STARTED,
               r.RATE_NONE, r.RATE_WHICH, r.RATE_USAGE, r.RATED, r.RATED_LOW, r.APPEALED, r.STATUS,
               r.STATUS_ESCALATED, r.GREETING, r.TO_CENTRAL, r.ADDED, r.ADD_TOO_LONG,
               r.ADD_REFUSED, r.ADD_USAGE,
               *r.ERRORS.values(), r.GENERIC_ERROR]


@pytest.fixture(scope="module")
def longest_short_name(app) -> dict[str, str]:
    with app.extensions["db"].sessionmaker() as s:
        insts = list(s.scalars(select(Institution)))
    return {lang: max((i.short_name(lang) for i in insts), key=len) for lang in ("sw", "en")}


def worst(lang: str, names: dict[str, str]) -> dict[str, str]:
    return {"ref": REF, "inst": names[lang], "date": "30/12/2026", "up": names[lang], "n": 2000,
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
def test_a_long_answer_reaches_the_citizen_whole(session, make_officer, make_feedback,
                                                 lang, run_jobs) -> None:
    """Issue 14: a 563-character answer arrived as about 270; now every word goes out."""
    feedback = make_feedback(language=lang)
    answer = ("Tumepokea malalamiko yako na “tumeshughulikia” — " + "maelezo marefu " * 34)
    answer = answer.strip() + " Mwisho wa jibu."
    assert len(answer) >= 563
    answer_feedback(session, feedback, make_officer("TRA"), answer)
    session.commit()
    run_jobs()
    session.expire_all()
    msg = session.scalar(select(OutboundMessage).where(OutboundMessage.purpose == "answer"))
    assert msg.status == "sent"
    assert gsm.fold(" ".join(answer.split())) in msg.text and "..." not in msg.text
    assert gsm.is_gsm7(msg.text) and gsm.segments(msg.text) == 5
    tail = translator(lang)._("Ref %(ref)s answer: %(answer)s To rate it reply %(ref)s and 1-5.",
                              ref=feedback.reference, answer="\x00").split("\x00")[1]
    assert msg.text.endswith(tail)


def test_an_answer_that_cannot_go_whole_is_refused_with_the_reason(session, make_officer,
                                                                  make_feedback) -> None:
    feedback = make_feedback()
    with pytest.raises(InvalidFeedback, match="needs 14 SMS; at most 8"):
        answer_feedback(session, feedback, make_officer("TRA"), ("maelezo marefu " * 140)[:2000])
    with pytest.raises(InvalidFeedback, match="outside GSM-7"):
        answer_feedback(session, feedback, make_officer("TRA"), "Jibu \U0001F600 " * 90)
    session.rollback()
    assert feedback.status == "received" and feedback.answer is None


def test_an_answer_outside_gsm7_goes_whole_as_ucs2(session, make_officer, make_feedback,
                                                   run_jobs) -> None:
    feedback = make_feedback()
    answer_feedback(session, feedback, make_officer("TRA"), "Karibu ofisini ☺ kesho saa 3.")
    session.commit()
    msg = session.scalar(select(OutboundMessage).where(OutboundMessage.purpose == "answer"))
    assert "Karibu ofisini ☺ kesho saa 3." in msg.text
    assert gsm.cost(msg.text)[0] == "UCS-2"


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
