"""One phone cannot flood an institution: per-number limits on USSD and SMS submissions."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from core import policies
from core.errors import NotAllowed, RateLimited
from core.models import utcnow
from core.policies import SubmissionLimits
from core.services import Submission, submit_feedback


def _sub(channel: str = "sms", phone: str | None = "0712345678") -> Submission:
    return Submission(kind="complaint", channel=channel, institution_code="TRA",
                      description="Nimesubiri TIN kwa wiki tatu", phone=phone)


def _limited(info: dict, per_hour: int | None, per_day: int | None) -> policies.Policies:
    """The policies in ``info`` (a session's, or the sessionmaker's) with these limits."""
    return replace(info[policies.KEY], limits=SubmissionLimits(per_hour, per_day))


def _limit(info: dict, per_hour: int | None, per_day: int | None) -> None:
    info[policies.KEY] = _limited(info, per_hour, per_day)


def test_the_app_installs_its_configured_limits(app, session) -> None:
    limits = policies.of(session).limits
    assert limits == SubmissionLimits(app.config["SUBMISSIONS_PER_HOUR"],
                                      app.config["SUBMISSIONS_PER_DAY"])
    assert RateLimited.code == "rate_limited" and issubclass(RateLimited, NotAllowed)


def test_hourly_limit_per_number(app, session) -> None:
    _limit(session.info, per_hour=3, per_day=None)
    for _ in range(3):
        submit_feedback(session, _sub())
    session.commit()
    with pytest.raises(RateLimited):
        submit_feedback(session, _sub("ussd"))
    session.rollback()
    submit_feedback(session, _sub(phone="0712345679"))        # another number is not affected
    submit_feedback(session, _sub("walk-in"))                   # officers' entries never limited
    submit_feedback(session, _sub(), now=utcnow() + timedelta(hours=1, minutes=1))


def test_daily_limit_is_a_rolling_window(app, session) -> None:
    _limit(session.info, per_hour=None, per_day=2)
    start = utcnow() - timedelta(hours=23)
    submit_feedback(session, _sub(), now=start)
    submit_feedback(session, _sub(), now=start + timedelta(hours=1))
    with pytest.raises(RateLimited):
        submit_feedback(session, _sub(), now=start + timedelta(hours=22))
    submit_feedback(session, _sub(), now=start + timedelta(hours=24, minutes=1))


def test_a_flooding_phone_gets_the_rate_limited_screen_over_ussd(app, monkeypatch) -> None:
    import re

    from sqlalchemy import func, select

    from core.models import Feedback
    from tests.reliability.conftest import assert_mounted
    from tests.reliability.phone import SUBMIT, Phone

    assert_mounted(app, "/ussd/africastalking")
    info = app.extensions["db"].sessionmaker.kw["info"]
    monkeypatch.setitem(info, policies.KEY, _limited(info, per_hour=2, per_day=None))
    phone = Phone(app.test_client(), number="+255713000111")
    bodies = []
    for _ in range(3):
        phone.dial()
        for value in [*SUBMIT, "1"]:
            body = phone.send(value)
        bodies.append(body)
    assert all(re.search(r"\d{10}", b) for b in bodies[:2])
    assert bodies[2].startswith("END ") and not re.search(r"\d{10}", bodies[2])
    assert "nyingi" in bodies[2] or "too many" in bodies[2], bodies[2]
    with app.extensions["db"].sessionmaker() as s:
        assert s.scalar(select(func.count()).select_from(Feedback)) == 2


def test_a_flooding_phone_gets_the_rate_limited_reply_over_sms(app, monkeypatch) -> None:
    from sqlalchemy import func, select

    from core.models import Feedback, OutboundMessage
    from tests.reliability.conftest import assert_mounted

    assert_mounted(app, "/sms/africastalking/inbound")
    info = app.extensions["db"].sessionmaker.kw["info"]
    monkeypatch.setitem(info, policies.KEY, _limited(info, per_hour=2, per_day=None))
    client = app.test_client()
    for n in range(3):
        resp = client.post("/sms/africastalking/inbound", data={
            "from": "+255713000222", "to": "15200", "id": f"ATXid_flood_{n}",
            "text": f"LALAMIKO TRA: Nimesubiri TIN mara ya {n + 1}", "date": "2026-11-22",
            "linkId": "", "networkCode": "63902"})
        assert resp.status_code == 200
    with app.extensions["db"].sessionmaker() as s:
        assert s.scalar(select(func.count()).select_from(Feedback)) == 2
        texts = s.scalars(select(OutboundMessage.text)
                          .where(OutboundMessage.phone == "+255713000222")).all()
    assert any("nyingi" in t or "too many" in t for t in texts), texts


def _guesses(start: int):
    from core.references import damm_digit

    for n in range(start, start + 1000):
        digits = f"{n:09d}"
        yield digits + str(damm_digit(digits))


def test_one_ussd_session_and_one_number_can_guess_only_a_few_references(
        app, make_feedback) -> None:
    from core.i18n import translator
    from menus import texts
    from tests.reliability.phone import Phone

    too_many = translator("sw")._(texts.ERRORS["rate_limited"])
    real = make_feedback(phone="0754000111")
    guesses = _guesses(300_000_000)
    phone = Phone(app.test_client(), number="+255713000333")
    bodies = []
    for _session in range(4):  # the limits: 5 lookups a session, 20 an hour per number
        phone.dial()
        for value in ["9", "2", "6"]:
            phone.send(value)
        bodies.append([phone.send(next(guesses)) for _ in range(6)])
    for session_bodies in bodies:
        assert all(b.startswith("CON ") for b in session_bodies[:5]), session_bodies
        assert session_bodies[5] == "END " + too_many
    phone.dial()
    for value in ["9", "2", "6"]:
        phone.send(value)
    assert phone.send(real.reference) == "END " + too_many  # the number's hour is spent
    other = Phone(app.test_client(), number="+255713000444")
    other.dial()
    for value in ["9", "2", "6"]:
        other.send(value)
    assert real.reference in other.send(real.reference)  # another number tracks as before


def test_sms_replies_per_number_per_hour_are_limited_and_the_reference_still_goes(
        app, client, session) -> None:
    from sqlalchemy import func, select

    from core.models import InboundMessage, OutboundMessage

    def sms(phone: str, text: str, n: int) -> None:
        resp = client.post("/sms/africastalking/inbound", data={
            "from": phone, "to": "15200", "id": f"ATXid_help_{phone}_{n}", "text": text})
        assert resp.status_code == 200

    for n in range(40):
        sms("+255713000555", "MSAADA", n)
    sms("+255713000555", "LALAMIKO TRA: Nimesubiri TIN kwa wiki tatu", 99)
    sms("+255713000666", "MSAADA", 0)

    def sent(phone: str, purpose: str) -> int:
        return session.scalar(select(func.count()).select_from(OutboundMessage).where(
            OutboundMessage.phone == phone, OutboundMessage.purpose == purpose))

    assert sent("+255713000555", "reply") == 30      # SMS_REPLY_RATE_LIMIT: 30 per hour
    assert sent("+255713000555", "reference") == 1   # what the citizen asked for still goes
    assert sent("+255713000666", "reply") == 1
    assert session.scalar(select(func.count()).select_from(InboundMessage)) == 42  # all kept
