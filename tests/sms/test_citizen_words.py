"""Issue 14 over SMS: the citizen's words kept exactly, and every reply they asked for."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core.models import Event, Feedback, InboundMessage, utcnow
from core.services import answer_feedback, close_feedback
from sms import replies as r

OTHER = "+255754000111"


def _feedback(session) -> list[Feedback]:
    session.expire_all()
    return list(session.scalars(select(Feedback).order_by(Feedback.id)))


def test_the_text_after_the_colon_is_stored_exactly(post_sms, session) -> None:
    post_sms("LALAMIKO SIRI TRA: -2+3")
    [fb] = _feedback(session)
    assert (fb.institution.code, fb.anonymous, fb.description) == ("TRA", True, "-2+3")


def test_greetings_and_thanks_are_answered_not_filed(post_sms, session, outbox) -> None:
    for text in ("asante sana", "habari", "Habari yako?"):
        post_sms(text)
        assert outbox()[-1].text == r.render("sw", r.GREETING)
    post_sms("NDIYO")  # nothing was offered as a complaint, so nothing is confirmed
    assert outbox()[-1].text == r.render("sw", r.NOTHING_TO_CONFIRM)
    post_sms("thank you", phone=OTHER)  # a first message in English is answered in English
    assert outbox(OTHER)[-1].text == r.render("en", r.GREETING)
    assert not _feedback(session)
    assert {m.command for m in session.scalars(select(InboundMessage))} == {"greeting", "yes"}


def test_add_appends_to_the_citizens_own_feedback_as_an_event(post_sms, session,
                                                              outbox) -> None:
    post_sms("LALAMIKO TRA: Nimesubiri TIN kwa wiki tatu")
    [fb] = _feedback(session)
    post_sms(f"ONGEZA {fb.reference} na ofisi ya Kariakoo haijibu simu")
    [fb] = _feedback(session)
    assert fb.description == "Nimesubiri TIN kwa wiki tatu na ofisi ya Kariakoo haijibu simu"
    assert outbox()[-1].text == r.render("sw", r.ADDED, ref=fb.reference,
                                         n=len(fb.description))
    added = session.scalar(select(Event).where(Event.feedback_id == fb.id,
                                               Event.kind == "added"))
    assert added is not None and added.data == {"text": "na ofisi ya Kariakoo haijibu simu"}
    post_sms(f"ADD {fb.reference}: -and +more", phone=OTHER)  # only the submitting number
    assert outbox(OTHER)[-1].text == r.render("en", r.ADD_REFUSED, ref=fb.reference)
    post_sms(f"ADD {fb.reference}: " + "x" * 1990)  # never cut: refused whole
    assert outbox()[-1].text == r.render("sw", r.ADD_TOO_LONG, ref=fb.reference)
    assert _feedback(session)[0].description.endswith("haijibu simu")


def test_add_to_a_closed_feedback_is_refused(post_sms, session, outbox, make_officer) -> None:
    post_sms("LALAMIKO TRA: Nimesubiri TIN kwa wiki tatu")
    [fb] = _feedback(session)
    officer = make_officer("TRA")
    answer_feedback(session, fb, officer, "TIN iko tayari")
    close_feedback(session, fb, officer)
    session.commit()
    post_sms(f"ONGEZA {fb.reference} bado")
    assert outbox()[-1].text == r.render("sw", r.ADD_REFUSED, ref=fb.reference)


def test_an_sms_appeal_is_confirmed_once(post_sms, session, outbox, make_officer) -> None:
    post_sms("LALAMIKO TRA: Nimesubiri TIN kwa wiki tatu")
    [fb] = _feedback(session)
    answer_feedback(session, fb, make_officer("TRA"), "TIN iko tayari")
    session.commit()
    post_sms(f"RUFAA {fb.reference} bado sijaipata")
    appealed = [m for m in outbox() if m.purpose == "appealed"]
    assert len(appealed) == 1 and fb.reference in appealed[0].text
    assert outbox()[-1].purpose == "appealed"


def test_status_of_an_escalated_item_says_so_to_its_sender_only(post_sms, session,
                                                                outbox) -> None:
    post_sms("LALAMIKO TRA: Nimesubiri TIN kwa wiki tatu")
    [fb] = _feedback(session)
    fb.escalated = True
    session.commit()
    post_sms(f"HALI {fb.reference}")
    parent = fb.institution.parent
    assert "imepandishwa kwa" in outbox()[-1].text
    assert (parent.short_name("sw") if parent else "") in outbox()[-1].text
    post_sms(f"HALI {fb.reference}", phone=OTHER)
    assert "imepandishwa" not in outbox(OTHER)[-1].text


def test_a_closed_answer_can_still_be_appealed_within_the_window(
        post_sms, session, outbox, make_officer) -> None:
    post_sms("LALAMIKO TRA: Nimesubiri TIN kwa wiki tatu")
    [fb] = _feedback(session)
    officer = make_officer("TRA")
    answer_feedback(session, fb, officer, "TIN iko tayari")
    close_feedback(session, fb, officer)  # "Funga" right after the answer
    session.commit()
    post_sms(f"RUFAA {fb.reference} bado sijaipata")
    [fb] = _feedback(session)
    assert fb.status == "appealed" and fb.closed_at is None
    assert outbox()[-1].purpose == "appealed"


def test_a_closed_answer_past_the_window_cannot_be_appealed(
        post_sms, session, outbox, make_officer) -> None:
    post_sms("LALAMIKO TRA: Nimesubiri TIN kwa wiki tatu")
    [fb] = _feedback(session)
    officer = make_officer("TRA")
    long_ago = utcnow() - timedelta(days=40)
    answer_feedback(session, fb, officer, "TIN iko tayari", now=long_ago)
    close_feedback(session, fb, officer, now=long_ago)
    session.commit()
    post_sms(f"RUFAA {fb.reference} bado sijaipata")
    assert _feedback(session)[0].status == "closed"
    assert outbox()[-1].text == r.render("sw", r.ERRORS["not_allowed"])


def test_the_aggregator_gets_the_whole_answer_in_one_long_sms(session, run_jobs, at_api,
                                                               make_feedback,
                                                               make_officer) -> None:
    """Issue 14: a 563-letter answer reached the citizen as about 270 letters."""
    from urllib.parse import parse_qs

    from core import gsm
    from core.models import OutboundMessage
    from tests.sms.conftest import AT_URL, at_reply

    at_api.post(AT_URL, json=at_reply(), status=201)
    feedback = make_feedback()
    answer = ("Tumepokea malalamiko yako na tumeshughulikia ombi lako la TIN. " * 9).strip()
    assert len(answer) >= 563
    answer_feedback(session, feedback, make_officer("TRA"), answer)
    session.commit()
    run_jobs()
    session.expire_all()
    msg = session.scalar(select(OutboundMessage).where(OutboundMessage.purpose == "answer"))
    sent = parse_qs(at_api.calls[-1].request.body)["message"][0]
    assert msg.status == "sent" and answer in sent and sent == msg.text
    assert gsm.segments(sent) == 5  # the aggregator concatenates the parts
