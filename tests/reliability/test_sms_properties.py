"""The SMS parser and the inbound callback take any text: never an error, nothing lost."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from core.models import InboundMessage
from tests.reliability.conftest import assert_mounted

ANY_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=2000)
KEYWORDS = st.sampled_from(["LALAMIKO", "complaint", "Siri", "HALI", "status", "RUFAA",
                            "appeal", "MSAADA", "LUGHA", "STOP", "acha", "NDIYO", "yes", "rate"])
MESSAGES = ANY_TEXT | st.builds(lambda k, r: f"{k} {r}", KEYWORDS, ANY_TEXT) | \
    st.builds(lambda k, d, r: f"{k}{d}{r}", KEYWORDS, st.sampled_from([":", " : ", "*", "#"]),
              ANY_TEXT)


@settings(max_examples=500, deadline=None)
@given(text=MESSAGES)
def test_the_parser_never_raises_and_keeps_the_words(text: str) -> None:
    parser = pytest.importorskip("sms.parser")
    command = parser.parse(text)
    assert command.action
    if command.action == "unknown":
        assert command.text == " ".join(text.strip().split())


def test_inbound_text_is_stored_exactly_as_it_arrived(app) -> None:
    assert_mounted(app, "/sms/africastalking/inbound")
    ids = itertools.count()

    @settings(max_examples=60, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(text=MESSAGES)
    def check(text: str) -> None:
        provider_id = f"ATXid_prop_{next(ids)}"
        resp = app.test_client().post("/sms/africastalking/inbound", data={
            "from": "+255712345678", "to": "15200", "text": text, "id": provider_id,
            "date": "2026-11-22 10:00:00", "linkId": "", "networkCode": "63902"})
        assert resp.status_code == 200, resp.data[:300]
        with app.extensions["db"].sessionmaker() as s:
            stored = s.scalar(select(InboundMessage.text)
                              .where(InboundMessage.provider_id == provider_id))
        assert stored == text.replace("\x00", "")  # PostgreSQL text cannot hold NUL

    check()


NASTY = st.sampled_from(["\x00", "a\x00b", "+255712\x00345678", "²", "٣٤", "１２３", "",
                         " ", "9999-12-31", "0001-01-01T00:00:00+14:00", "%00", "x" * 300])
FIELD = ANY_TEXT | NASTY | st.text(st.characters(categories=["Nd"]), max_size=20)
FIELDS = ["from", "to", "text", "date", "id", "linkId", "networkCode"]


def test_every_inbound_field_takes_anything_and_the_message_is_always_stored(app) -> None:
    """Never a 500 or a 503 (the aggregator would retry forever): 200, or 400 with the
    message still stored, with what arrived kept whenever the stored fields differ."""
    assert_mounted(app, "/sms/africastalking/inbound")
    ids = itertools.count()

    @settings(max_examples=80, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(values=st.fixed_dictionaries({}, optional={name: FIELD for name in FIELDS}))
    def check(values: dict[str, str]) -> None:
        n = next(ids)
        form = {"from": "+255712345678", "to": "15200", "text": "HALI 1234567890",
                "id": f"ATXid_any_{n}", **values}
        if form["id"].strip("\x00 "):  # each example its own message, not a retry
            form["id"] += f"~{n}"
        resp = app.test_client().post("/sms/africastalking/inbound", data=form)
        body = resp.get_data(as_text=True)
        assert resp.status_code in (200, 400), (resp.status_code, body[:300])
        assert body.count("\n") <= 1 and "Traceback" not in body
        given = form["id"].replace("\x00", "").strip()
        with app.extensions["db"].sessionmaker() as s:
            if 0 < len(given) <= 128:
                stored = s.scalar(select(InboundMessage)
                                  .where(InboundMessage.provider_id == given))
            else:  # no usable id: kept under a digest of what arrived
                pairs = [[k, v] for k, v in form.items()]
                stored = next((m for m in s.scalars(select(InboundMessage).where(
                    InboundMessage.provider_id.like("sha:%")))
                    if m.raw and m.raw.get("form") == pairs), None)
        assert stored is not None and stored.received_at is not None, form
        assert stored.text == form["text"].replace("\x00", "")[:10_000]
        if resp.status_code == 400 or any("\x00" in v for v in form.values()):
            assert stored.raw is not None, form

    check()
