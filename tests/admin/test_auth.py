"""Login, logout, lockout, cookies and the language switch."""

from __future__ import annotations

from core.models import Officer
from tests.admin.conftest import post, token
from tests.conftest import PASSWORD


def test_login_logout(app, client, make_officer) -> None:
    officer = make_officer("TRA")
    assert client.get("/admin/").status_code == 302
    resp = client.post("/admin/login", data={"email": officer.email, "password": PASSWORD,
                                             "csrf_token": token(client)})
    assert resp.status_code == 303
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get("/admin/").status_code == 200
    assert post(client, "/admin/logout").status_code == 303
    assert client.get("/admin/").status_code == 302


def test_wrong_passwords_slow_the_guesser_but_never_lock_the_account(
        app, client, make_officer, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "100 per minute")
    officer = make_officer("TRA")
    for _ in range(5):
        resp = client.post("/admin/login", data={
            "email": officer.email, "password": "wrong password!", "csrf_token": token(client)})
        assert resp.status_code in (200, 429) and b"class=\"error\"" in resp.data
    # This address waits, even with the right password; the officer elsewhere does not.
    resp = client.post("/admin/login", data={
        "email": officer.email, "password": PASSWORD, "csrf_token": token(client)})
    assert resp.status_code == 429 and int(resp.headers["Retry-After"]) > 0
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.20.30.40"
    resp = other.post("/admin/login", data={
        "email": officer.email, "password": PASSWORD, "csrf_token": token(other)})
    assert resp.status_code == 303 and other.get("/admin/").status_code == 200


def test_secure_cookie_in_production(app) -> None:
    from web import create_app

    prod = create_app({"TESTING": False, "SECRET_KEY": "a real secret from the vault",
                       "CALLBACK_TOKEN": "a real token from the vault",
                       "DATABASE_URL": app.config["DATABASE_URL"],
                       "REDIS_URL": app.config["REDIS_URL"]})
    assert prod.config["SESSION_COOKIE_SECURE"] and prod.config["SESSION_COOKIE_HTTPONLY"]
    prod.extensions["db"].engine.dispose()


def test_language_switch_per_officer(app, login, make_officer, session) -> None:
    officer = make_officer("TRA", language="sw")
    client = login(officer)
    assert "Kikasha" in client.get("/admin/").get_data(as_text=True)
    assert post(client, "/admin/language", {"language": "en"}).status_code == 303
    assert "Inbox" in client.get("/admin/").get_data(as_text=True)
    session.expire_all()
    assert session.get(Officer, officer.id).language == "en"
