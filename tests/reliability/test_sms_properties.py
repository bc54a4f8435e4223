"""The SMS parser and the inbound callback take any text: never an error, nothing lost."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from core.models import InboundMessage
from tests.reliability.conftest import endpoint_or_skip

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
    endpoint_or_skip(app, "/sms/africastalking/inbound")
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
