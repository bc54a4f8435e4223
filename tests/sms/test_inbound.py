"""Inbound SMS end to end: the callback, the stored message, the core call and the reply."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.i18n import translator
from core.models import Feedback, InboundMessage, OutboundMessage, Subscriber
from core.references import damm_digit
from core.services import answer_feedback
from sms import replies as r
from tests.sms.conftest import PHONE


def _feedback(session) -> list[Feedback]:
    session.expire_all()
    return list(session.scalars(select(Feedback).order_by(Feedback.id)))


def _last_text(outbox, phone: str = PHONE) -> str:
    return outbox(phone)[-1].text


@pytest.mark.parametrize(("text", "code", "description"), [
    ("LALAMIKO TANESCO: umeme umekatika tangu jana", "TANESCO", "umeme umekatika tangu jana"),
    ("complaint anon Wizara ya Afya: no medicine", "MOH", "no medicine"),
    ("LALAMKO tanesko: nguzo imeanguka", "TANESCO", "nguzo imeanguka"),
    ("Maoni Ministry of Helth: zahanati zaidi", "MOH", "zahanati zaidi"),
    ("LALAMIKO Duka la Juma: bei kubwa", "TRIAGE", "Duka la Juma: bei kubwa"),
    ("PENDEKEZO: ofisi zifunguliwe Jumamosi", "TRIAGE", "ofisi zifunguliwe Jumamosi"),
    ("SWALI kwa NIDA: nitapataje kitambulisho?", "NIDA", "nitapataje kitambulisho?"),
])
def test_a_submission_reaches_its_institution_with_a_reference(
        post_sms, session, outbox, text, code, description) -> None:
    assert post_sms(text).status_code == 200
    [fb] = _feedback(session)
    assert (fb.institution.code, fb.description, fb.channel) == (code, description, "sms")
    assert fb.anonymous == (" anon " in text)
    reply, *hint = outbox()
    assert reply.purpose == "reference" and fb.reference in reply.text
    assert fb.institution.short_name(fb.language) in reply.text
    # Issue 14: the central desk is named, and how to name an institution next time.
    assert [h.text for h in hint] == ([r.render("sw", r.TO_CENTRAL)] if code == "TRIAGE" else [])
    msg = session.scalar(select(InboundMessage))
    assert (msg.command, msg.feedback_id, msg.phone) == ("submit", fb.id, PHONE)
    assert msg.handled_at is not None


def test_an_english_first_message_is_answered_in_english(post_sms, session, outbox) -> None:
    post_sms("COMPLAINT TRA: my TIN is late")
    [fb] = _feedback(session)
    assert fb.language == "en" and outbox()[0].text.startswith("Thank you. Ref")


def test_the_same_aggregator_id_is_stored_and_handled_once(post_sms, session, outbox) -> None:
    for _ in range(3):
        assert post_sms("LALAMIKO TRA: kodi kubwa", msg_id="ATXid_same").status_code == 200
    assert session.scalar(select(func.count()).select_from(InboundMessage)) == 1
    assert len(_feedback(session)) == 1 and len(outbox()) == 1


def test_a_wrong_or_missing_token_is_refused_and_nothing_stored(app, post_sms, session,
                                                                monkeypatch) -> None:
    monkeypatch.setitem(app.config, "CALLBACK_TOKEN", "s3cret")
    assert post_sms("LALAMIKO TRA: kodi").status_code == 403
    assert post_sms("LALAMIKO TRA: kodi", token="wrong").status_code == 403
    assert session.scalar(select(func.count()).select_from(InboundMessage)) == 0
    assert post_sms("LALAMIKO TRA: kodi", token="s3cret").status_code == 200
    assert len(_feedback(session)) == 1


@pytest.mark.parametrize("form", [{}, {"from": PHONE, "text": "x"}, {"id": "1", "text": "x"},
                                  {"id": "", "from": PHONE, "text": "x"},
                                  {"id": "1", "from": PHONE}, {"id": "x" * 500, "from": PHONE,
                                                               "text": "x"}])
def test_a_malformed_callback_gets_a_one_line_400_and_is_still_stored(client, session,
                                                                     form) -> None:
    res = client.post("/sms/africastalking/inbound", data=form)
    assert res.status_code == 400
    body = res.get_data(as_text=True)
    assert body.strip() and body.count("\n") == 1
    stored = list(session.scalars(select(InboundMessage)))
    if not form:  # no SMS field at all: nothing to keep
        assert stored == []
        return
    [msg] = stored  # kept, with what arrived, and never handed to the sweeper
    assert msg.command == "unreadable" and msg.handled_at is not None
    assert msg.raw == {"form": [[k, v] for k, v in form.items()]}


def test_a_sender_we_cannot_answer_is_kept_without_reply(post_sms, session) -> None:
    assert post_sms("LALAMIKO TRA: kodi", phone="Safaricom").status_code == 200
    msg = session.scalar(select(InboundMessage))
    assert msg.command == "invalid_sender" and msg.text == "LALAMIKO TRA: kodi"
    assert session.scalar(select(func.count()).select_from(OutboundMessage)) == 0


def test_keyword_less_message_is_kept_and_yes_makes_it_a_triage_complaint(
        post_sms, session, outbox) -> None:
    post_sms("Habari, maji hayatoki Sinza tangu jana")
    assert _last_text(outbox) == r.render("sw", r.KEPT) and not _feedback(session)
    post_sms("NDIYO")
    [fb] = _feedback(session)
    assert (fb.institution.code, fb.kind) == ("TRIAGE", "complaint")
    assert fb.description == "Habari, maji hayatoki Sinza tangu jana"
    post_sms("NDIYO")  # a second YES makes nothing more
    assert len(_feedback(session)) == 1
    assert _last_text(outbox) == r.render("sw", r.NOTHING_TO_CONFIRM)


def test_yes_after_the_hour_confirms_nothing(post_sms, session, outbox) -> None:
    post_sms("maji hayatoki")
    msg = session.scalar(select(InboundMessage))
    msg.received_at = msg.received_at - timedelta(hours=1, minutes=1)
    session.commit()
    post_sms("YES")
    assert not _feedback(session)


def test_stop_opts_out_of_campaigns_only_and_start_opts_back_in(
        post_sms, session, outbox, make_officer) -> None:
    """Issue 14: after STOP/ACHA an SMS submission still gets its reference, help its reply."""
    post_sms("ACHA")
    assert _last_text(outbox) == r.render("sw", r.STOPPED)
    assert session.scalar(select(Subscriber.opted_out).where(Subscriber.phone == PHONE))
    post_sms("LALAMIKO TRA: Nimesubiri TIN kwa wiki tatu")
    [fb] = _feedback(session)
    assert outbox()[-1].purpose == "reference" and fb.reference in outbox()[-1].text
    post_sms("MSAADA")
    assert _last_text(outbox) == r.render("sw", r.HELP)
    answer_feedback(session, fb, make_officer("TRA"), "TIN yako iko tayari ofisini")
    session.commit()
    assert outbox()[-1].purpose == "answer"  # the answer they asked for still reaches them
    post_sms("ANZA")
    assert _last_text(outbox) == r.render("sw", r.STARTED)
    assert not session.scalar(select(Subscriber.opted_out).where(Subscriber.phone == PHONE))


def test_language_is_remembered_for_every_reply(post_sms, session, outbox) -> None:
    post_sms("LUGHA EN")
    assert _last_text(outbox) == r.render("en", r.LANGUAGE_SET)
    post_sms("MSAADA")
    assert _last_text(outbox) == r.render("en", r.HELP)
    post_sms("LANGUAGE SW")
    assert _last_text(outbox) == r.render("sw", r.LANGUAGE_SET)
    post_sms("LUGHA FR")
    assert _last_text(outbox) == r.render("sw", r.LANGUAGE_USAGE)


def test_status_of_a_reference(post_sms, session, outbox) -> None:
    post_sms("LALAMIKO TRA: Nimesubiri TIN kwa wiki tatu")
    [fb] = _feedback(session)
    post_sms(f"HALI {fb.reference}")
    text = _last_text(outbox)
    assert text.startswith(f"{fb.reference}: Lalamiko kwa TRA") and "imepokelewa" in text
    bad = fb.reference[:-1] + str((int(fb.reference[-1]) + 1) % 10)
    post_sms(f"HALI {bad}")
    assert _last_text(outbox) == r.render("sw", r.ERRORS["invalid_reference"])
    post_sms("STATUS")
    assert _last_text(outbox) == r.render("sw", r.STATUS_USAGE)


def test_an_unknown_reference(post_sms, outbox) -> None:
    body = "123456789"
    post_sms(f"HALI {body}{damm_digit(body)}")
    assert _last_text(outbox) == r.render("sw", r.ERRORS["unknown_feedback"])


def _answered(post_sms, session, make_officer, n: int = 1) -> list[Feedback]:
    officer = make_officer("TRA")
    for i in range(n):
        post_sms(f"LALAMIKO TRA: tatizo la kodi namba {i}")
    items = _feedback(session)
    for fb in items:
        answer_feedback(session, fb, officer, "Tumelishughulikia, karibu ofisini")
    session.commit()
    return items


def test_the_answer_sms_asks_for_the_rating_the_parser_understands(
        post_sms, session, outbox, make_officer) -> None:
    [fb] = _answered(post_sms, session, make_officer)
    text = outbox(purpose="answer")[0].text
    assert text == translator("sw")._(
        "Ref %(ref)s answer: %(answer)s To rate it reply %(ref)s and 1-5.",
        ref=fb.reference, answer="Tumelishughulikia, karibu ofisini")


@pytest.mark.parametrize(("rating", "offer"), [(5, False), (3, False), (2, True), (1, True)])
def test_a_bare_digit_rates_the_one_answer_waiting(post_sms, session, outbox, make_officer,
                                                   rating, offer) -> None:
    [fb] = _answered(post_sms, session, make_officer)
    post_sms(str(rating))
    session.refresh(fb)
    assert fb.rating == rating
    assert _last_text(outbox) == r.render("sw", r.RATED_LOW if offer else r.RATED,
                                          ref=fb.reference)
    assert any(e.kind == "rated" for e in fb.events)


def test_with_several_answers_waiting_the_reference_is_asked_for(
        post_sms, session, outbox, make_officer) -> None:
    first, second = _answered(post_sms, session, make_officer, 2)
    post_sms("4")
    assert "1-5" in _last_text(outbox)
    assert all(f.rating is None for f in _feedback(session))
    post_sms(f"{first.reference} 2")
    session.refresh(first)
    assert first.rating == 2
    post_sms("5")  # now only one waits
    session.refresh(second)
    assert second.rating == 5


def test_no_answer_waiting(post_sms, outbox) -> None:
    post_sms("4")
    assert _last_text(outbox) == r.render("sw", r.RATE_NONE)


def test_appeal_after_an_answer(post_sms, session, outbox, make_officer) -> None:
    [fb] = _answered(post_sms, session, make_officer)
    post_sms(f"RUFAA {fb.reference}")
    assert _last_text(outbox) == r.render("sw", r.APPEAL_USAGE)
    post_sms(f"RUFAA {fb.reference} bado sijapata TIN yangu")
    session.refresh(fb)
    assert fb.status == "appealed" and fb.appeal_reason == "bado sijapata TIN yangu"
    assert fb.reference in _last_text(outbox)


def test_only_the_submitting_number_may_appeal(post_sms, session, outbox, make_officer) -> None:
    [fb] = _answered(post_sms, session, make_officer)
    other = "+255754000111"
    post_sms(f"APPEAL {fb.reference} not good", phone=other)
    # a first message with an English keyword is answered in English
    assert _last_text(outbox, other) == r.render("en", r.ERRORS["not_allowed"])
    session.refresh(fb)
    assert fb.status == "answered"


def test_too_many_submissions_get_a_try_later_reply(post_sms, session, outbox) -> None:
    for i in range(12):
        post_sms(f"MAONI TRA: maoni namba {i}")
    assert len(_feedback(session)) < 12
    assert _last_text(outbox) == r.render("sw", r.ERRORS["rate_limited"])


@pytest.mark.parametrize("text", ["", "LALAMIKO", "COMPLAINT TRA:", "😀"])
def test_empty_and_keyword_only_messages_get_usage(post_sms, session, outbox, text) -> None:
    assert post_sms(text).status_code == 200
    assert not _feedback(session)
    assert len(outbox()) == 1 and outbox()[0].purpose == "reply"


def test_rate_without_a_number_gets_usage(post_sms, outbox) -> None:
    post_sms("RATE 1234567897")
    assert _last_text(outbox) == r.render("en", r.RATE_USAGE)  # an English keyword


def test_a_very_long_sms_is_kept_whole_and_filed_cut(post_sms, session) -> None:
    text = "LALAMIKO TRA: " + "kodi " * 600
    post_sms(text)
    [fb] = _feedback(session)
    assert len(fb.description) <= 2000
    assert session.scalar(select(InboundMessage.text)) == text


@pytest.mark.parametrize("field", ["id", "from", "to", "linkId", "networkCode"])
def test_a_nul_in_any_field_is_stored_cleaned_not_a_503(client, session, field) -> None:
    """Found by schemathesis (issue 14 too): PostgreSQL refused the NUL, the aggregator retried
    a 503 forever and nothing was stored."""
    form = {"id": "ATXid_nul", "from": PHONE, "to": "15200", "text": "MSAADA",
            "linkId": "link", "networkCode": "64004"}
    form[field] = form[field][:3] + "\x00" + form[field][3:]
    response = client.post("/sms/africastalking/inbound", data=form)
    assert response.status_code == 200, response.get_data(as_text=True)
    session.expire_all()
    stored = session.scalar(select(InboundMessage))
    assert stored is not None and stored.provider_id == "ATXid_nul"


def test_a_nul_in_a_delivery_report_id_is_not_a_500(client) -> None:
    response = client.post("/sms/africastalking/delivery", data={"id": "a\x00b",
                                                                 "status": "Success"})
    assert response.status_code == 200
