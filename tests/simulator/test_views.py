from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.models import OutboundMessage, Subscriber
from web import create_app


def test_the_page_renders_with_its_assets(client) -> None:
    page = client.get("/simulator")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="sim-settings"' in html and "*152*00*9*2#" in html
    assert "+255712345678" in html and "15200" in html
    assert "http://" not in html and "https://" not in html  # nothing from a CDN
    for asset in ("/static/simulator/simulator.js", "/static/simulator/simulator.css"):
        assert asset in html
        res = client.get(asset)
        assert res.status_code == 200 and res.get_data()
        res.close()


@pytest.mark.parametrize("overrides", [{"EMBEDDED": False}, {"AT_API_KEY": "a-real-key"}])
def test_the_page_is_absent_from_a_real_deployment(database_url, redis_url, overrides) -> None:
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "REDIS_URL": redis_url,
                      "SECRET_KEY": "test", "EMBEDDED": True, **overrides})
    client = app.test_client()
    assert client.get("/simulator").status_code == 404
    assert client.get("/simulator/outbox?phone=0712345678").status_code == 404
    app.extensions["db"].engine.dispose()


def test_the_callback_token_is_appended_when_configured(database_url, redis_url) -> None:
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "REDIS_URL": redis_url,
                      "SECRET_KEY": "test", "EMBEDDED": True, "CALLBACK_TOKEN": "s3cret"})
    html = app.test_client().get("/simulator").get_data(as_text=True)
    assert "/ussd/africastalking?token=s3cret" in html
    assert "/sms/africastalking/inbound?token=s3cret" in html
    app.extensions["db"].engine.dispose()


def test_the_outbox_lists_a_numbers_sms_oldest_first(client, session) -> None:
    now = datetime.now(UTC)
    session.add_all([
        OutboundMessage(phone="+255712345678", text="Kwanza", purpose="receipt",
                        status="sent", provider_id="outbox-1", created_at=now - timedelta(1)),
        OutboundMessage(phone="+255712345678", text="Pili", purpose="answer", created_at=now),
        OutboundMessage(phone="+255754000111", text="Si yako", purpose="receipt"),
        Subscriber(phone="+255712345678", language="en"),
    ])
    session.commit()
    # Every way a citizen writes the number finds the same messages.
    for raw in ("+255712345678", "0712 345 678", "255712345678"):
        data = client.get("/simulator/outbox", query_string={"phone": raw}).get_json()
        assert data["phone"] == "+255712345678" and data["language"] == "en"
        assert [m["text"] for m in data["messages"]] == ["Kwanza", "Pili"]
    first, second = data["messages"]
    assert first["purpose"] == "receipt" and first["status"] == "sent"
    assert second["status"] == "queued" and second["sent_at"] is None
    assert datetime.fromisoformat(first["created_at"]) < datetime.fromisoformat(
        second["created_at"])


def test_the_outbox_of_a_silent_number_is_empty(client) -> None:
    data = client.get("/simulator/outbox?phone=0754000222").get_json()
    assert data == {"phone": "+255754000222", "language": None, "messages": []}


@pytest.mark.parametrize("raw", ["", "hello", "12", "+1 202 555 01999"])
def test_the_outbox_refuses_a_bad_number_with_a_reason(client, raw) -> None:
    res = client.get("/simulator/outbox", query_string={"phone": raw})
    assert res.status_code == 400
    assert res.get_json()["error"] == "invalid_phone" and res.get_json()["message"]


def test_the_page_posts_under_the_prefix_the_app_is_mounted_at(client) -> None:
    html = client.get("/simulator", base_url="http://localhost/gw").get_data(as_text=True)
    assert '"/gw/ussd/africastalking"' in html and '"/gw/sms/africastalking/inbound"' in html
    assert "/gw/static/simulator/simulator.js" in html and 'href="/gw/admin/"' in html
