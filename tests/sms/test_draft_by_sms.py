"""Issue 21: kind and institution by USSD, the description by SMS, one feedback.

Real Redis holds the draft and its code, a real database the feedback; only the
aggregator's SMS API would be faked (the outbox stands in for it here).
"""

from __future__ import annotations

import re

from sqlalchemy import select

from core.i18n import translator
from core.models import Feedback, InboundMessage
from sessions.sms_drafts import DRAFT_TTL
from sms import drafts as replies
from tests.sms.conftest import PHONE
from tests.ussd.conftest import ATSession

OTHER = "+255754000111"
TEXT = "Ndege imechelewa saa tano bila taarifa"


def feedbacks(session) -> list[Feedback]:
    session.expire_all()
    return list(session.scalars(select(Feedback).order_by(Feedback.id)))


def await_sms(client, anonymous: bool = False, phone: str = PHONE) -> str:
    """Complaint, agencies, A-D, the first (Air Tanzania), by SMS, who; the END's code."""
    s = ATSession(client, phone=phone)
    s.dial("9*2")
    s.send("1", "2", "1")
    assert "1 Tuma maelezo kwa SMS" in s.send("1")
    end = s.send("1")
    assert end.startswith("CON Maelezo kwa SMS. Nani anatuma?")
    end = s.send("2" if anonymous else "1")
    assert end.startswith("END Tuma SMS kwa 15200: ") and "dakika 30" in end, end
    assert len(end) <= 160
    match = re.search(r": (\d{4}),", end)
    assert match, end
    return match.group(1)


def test_the_code_completes_the_draft_once_and_the_reference_comes_by_sms(
        client, session, post_sms, outbox, redis_client) -> None:
    code = await_sms(client)
    [prompt] = outbox(purpose="draft_prompt")
    assert code in prompt.text and "Air Tanzania" in prompt.text
    assert redis_client.get(f"ussd:d:{PHONE}") is None      # no redial offers it again
    assert DRAFT_TTL - 60 < redis_client.ttl(f"sms:d:{PHONE}") <= DRAFT_TTL
    assert post_sms(f"{code} {TEXT}").status_code == 200
    [fb] = feedbacks(session)
    assert (fb.institution.code, fb.kind, fb.description, fb.anonymous) == (
        "ATCL", "complaint", TEXT, False)
    [ref_sms] = outbox(purpose="reference")
    assert fb.reference in ref_sms.text
    assert post_sms(f"{code} {TEXT}").status_code == 200    # sent twice: one feedback
    assert len(feedbacks(session)) == 1
    t = translator("sw")
    assert outbox()[-1].text == t._(replies.ALREADY, ref=fb.reference)


def test_a_reply_without_the_code_completes_it_anonymously(
        client, session, post_sms, outbox) -> None:
    await_sms(client, anonymous=True)
    post_sms(TEXT)
    [fb] = feedbacks(session)
    assert fb.anonymous and fb.description == TEXT
    msg = session.scalar(select(InboundMessage))
    assert (msg.command, msg.feedback_id) == ("draft", fb.id)


def test_a_wrong_code_is_refused_and_the_draft_stays(client, session, post_sms, outbox) -> None:
    code = await_sms(client)
    wrong = f"{(int(code) + 1) % 10000:04d}"
    post_sms(f"{wrong} {TEXT}")
    assert feedbacks(session) == []
    assert outbox()[-1].text == translator("sw")._(replies.WRONG_CODE)
    post_sms(f"{code} ab")                                   # too short: told, still kept
    assert feedbacks(session) == []
    post_sms(f"{code} {TEXT}")
    assert len(feedbacks(session)) == 1


def test_someone_elses_code_is_refused(client, session, post_sms, outbox) -> None:
    code = await_sms(client)
    post_sms(f"{code} {TEXT}", phone=OTHER)
    assert feedbacks(session) == []
    assert outbox(OTHER)[-1].text == translator("sw")._(replies.NO_DRAFT)
    post_sms(f"{code} {TEXT}")                               # the owner's still works
    [fb] = feedbacks(session)
    assert fb.submitter_phone == PHONE


def test_an_expired_draft_makes_nothing(client, session, post_sms, outbox,
                                        redis_client) -> None:
    code = await_sms(client)
    redis_client.pexpire(f"sms:d:{PHONE}", 1)                # its 30 minutes are over
    redis_client.pexpire(f"sms:d:{PHONE}", 1)
    while redis_client.exists(f"sms:d:{PHONE}"):
        pass
    post_sms(f"{code} {TEXT}")
    assert feedbacks(session) == []
    assert outbox()[-1].text == translator("sw")._(replies.NO_DRAFT)


def test_without_a_draft_a_keywordless_message_is_kept_as_before(session, post_sms,
                                                                 outbox) -> None:
    post_sms("barabara ya kijiji imeharibika")
    assert feedbacks(session) == []
    msg = session.scalar(select(InboundMessage))
    assert msg.command == "unknown"


def test_sms_names_the_institution_in_the_citizens_language(session, post_sms, outbox) -> None:
    post_sms("COMPLAINT TANROADS: a pothole on the Morogoro road")
    post_sms("LALAMIKO TANROADS: shimo barabarani", phone=OTHER)
    assert "sent to TANROADS roads" in outbox(purpose="reference")[0].text
    assert "TANROADS barabara" in outbox(OTHER, purpose="reference")[0].text


def test_the_prompt_sms_fits_one_segment_for_every_institution_and_kind(session) -> None:
    from core import gsm
    from core.models import Institution
    from menus.screens import kind_name
    from menus.texts import KIND_ORDER
    names = {lang: max((i.short_name(lang) for i in session.scalars(select(Institution))),
                       key=len) for lang in ("sw", "en")}
    for lang, inst in names.items():
        for kind in KIND_ORDER:
            text = translator(lang)._(
                "Mrejesho: reply to this SMS with your description of the %(kind)s to "
                "%(inst)s, or send %(code)s and the text to %(to)s, within 30 minutes.",
                kind=kind_name(lang, kind).lower(), inst=inst, code="0000", to="15200")
            assert gsm.is_gsm7(text) and gsm.segments(text) == 1, (len(text), text)
