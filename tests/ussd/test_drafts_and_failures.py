"""Drafts kept across a dropped session, and what the citizen sees when a part is down."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.institutions import SHIPPED_CSV, import_file
from core.models import Feedback, OutboundMessage
from infra.migrate import upgrade
from tests.ussd.conftest import PHONE, ATSession
from web import create_app


def test_dropped_session_keeps_the_draft_and_a_redial_continues_it(at, session) -> None:
    first = at()
    first.dial("9*2")
    first.send("2", "4", "Ofisi ifunguliwe*saa mbili asubuhi")   # a suggestion, the desk
    assert first.end().status_code == 200                              # dropped: Incomplete
    assert first.end().status_code == 200                              # the notice, retried
    sms = session.scalars(select(OutboundMessage)).all()
    assert [(m.phone, m.purpose) for m in sms] == [(PHONE, "draft_kept")]
    assert sms[0].text.startswith("Rasimu yako ya Pendekezo imehifadhiwa kwa dakika 30.")

    second = at()
    offer = second.dial("9*2")
    assert offer.startswith("CON Una rasimu ya Pendekezo ambayo haijatumwa.\n1 Endelea nayo")
    assert second.send("1").startswith("CON Umeandika herufi 34 kati ya 300.")
    confirm = second.send("1", "2")
    assert "\nOfisi ifunguliwe*saa mbili asubuhi\n" in confirm
    assert second.send("1").startswith("END Asante.")
    assert session.scalar(select(Feedback.description)) == "Ofisi ifunguliwe*saa mbili asubuhi"

    third = at()
    assert third.dial("9*2").startswith("CON e-Mrejesho")        # the draft is gone


def test_redial_can_start_again(at, redis_client) -> None:
    s = at()
    s.dial("9*2*1*4")
    s.send("Huduma mbovu")
    again = at()
    again.dial("9*2")
    assert again.send("2").startswith("CON Futa rasimu ambayo haijatumwa")  # asked once
    assert again.send("1").startswith("CON e-Mrejesho")
    assert redis_client.get(f"ussd:d:{PHONE}") is None


def test_a_finished_or_empty_session_sends_no_notice(at, session) -> None:
    s = at()
    s.dial("9*2*6")
    assert s.end().status_code == 200
    assert s.end("Success").status_code == 200
    assert session.scalar(select(func.count()).select_from(OutboundMessage)) == 0


def test_session_cost_and_expiry_in_redis(at, redis_client) -> None:
    s = at()
    s.dial("9*2*1*4")
    s.send("x" * 180, "2", "y" * 180, "2", "z" * 180, "1", "1", "M" * 40)
    keys = redis_client.keys("ussd:*")
    total = sum(redis_client.memory_usage(k) for k in keys)
    assert total <= 1024, {k: redis_client.memory_usage(k) for k in keys}
    print("session bytes", total, {k: redis_client.memory_usage(k) for k in keys})
    assert 0 < redis_client.ttl(f"ussd:s:at:{s.session_id}") <= 300
    assert 0 < redis_client.ttl(f"ussd:d:{PHONE}") <= 1800


@pytest.mark.parametrize("form, reason", [
    ({"phoneNumber": PHONE, "text": ""}, "missing sessionId"),
    ({"sessionId": "x", "text": ""}, "missing phoneNumber"),
    ({"sessionId": "x" * 300, "phoneNumber": PHONE}, "sessionId is too long"),
])
def test_malformed_callback_is_400_with_a_reason(client, form, reason) -> None:
    resp = client.post("/ussd/africastalking", data=form)
    assert resp.status_code == 400
    assert resp.get_data(as_text=True) == reason + "\n"
    assert client.post("/ussd/africastalking/events", data={"sessionId": "x"}).status_code == 400


def test_callback_token(app, client) -> None:
    app.config["CALLBACK_TOKEN"] = "s3cret"
    try:
        assert ATSession(client).post("").status_code == 403
        assert ATSession(client, query="?token=wrong").post("").status_code == 403
        assert client.post("/ussd/beem", json={}).status_code == 403
        assert ATSession(client, query="?token=s3cret").dial().startswith("CON ")
    finally:
        app.config["CALLBACK_TOKEN"] = None


def test_redis_down_gives_an_apology_in_the_citizens_language(
        database_url, tmp_path, caplog, session) -> None:
    from core.services import remember_language
    remember_language(session, PHONE, "en")
    session.commit()
    app = create_app({"TESTING": True, "DATABASE_URL": database_url,
                      "REDIS_URL": "redis://127.0.0.1:1/0", "SECRET_KEY": "test"})
    try:
        with caplog.at_level(logging.ERROR):
            body = ATSession(app.test_client()).dial()
        assert body == "END Sorry, the service is not available now. Please try again later."
        assert "Redis unavailable" in caplog.text
        other = ATSession(app.test_client(), phone="+255713999000").dial("9*2")
        assert other.startswith("END Samahani, huduma haipatikani sasa.")
    finally:
        app.extensions["db"].engine.dispose()


def test_database_down_gives_an_apology_and_writes_nothing(
        redis_url, tmp_path: Path, caplog) -> None:
    db_file = tmp_path / "ussd.db"
    url = f"sqlite:///{db_file}"
    app = create_app({"TESTING": True, "DATABASE_URL": url, "REDIS_URL": redis_url,
                      "SECRET_KEY": "test", "SMS_DISPATCH": False})
    engine = app.extensions["db"].engine
    upgrade(url)
    with app.extensions["db"].sessionmaker() as s:
        import_file(s, SHIPPED_CSV)
        s.commit()
    s = ATSession(app.test_client(), phone="+255714000222")
    try:
        s.dial("9*2*1*4")
        s.send("Nimechoka kusubiri", "1", "2")
        engine.dispose()
        shutil.move(db_file, tmp_path / "away.db")      # the database is gone
        with caplog.at_level(logging.ERROR):
            body = s.send("1")
        assert body == "END Samahani, huduma haipatikani sasa. Tafadhali jaribu tena baadaye."
        assert "database unavailable" in caplog.text
        engine.dispose()
        db_file.unlink(missing_ok=True)
        shutil.move(tmp_path / "away.db", db_file)      # back: the retry now goes through
        assert s.retry().startswith("END Asante.")
        with app.extensions["db"].sessionmaker() as check:
            assert check.scalar(select(func.count()).select_from(Feedback)) == 1
    finally:
        engine.dispose()
        kv_client = app.extensions["redis"].client
        for key in kv_client.keys("ussd:*"):
            kv_client.delete(key)
