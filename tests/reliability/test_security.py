"""Security rules that hold for every page: secret key, headers, the login rate limit."""

from __future__ import annotations

import pytest

from infra.security import InsecureConfiguration
from web import create_app


@pytest.mark.parametrize("secret", [None, "dev", "test", "changeme", "secret"])
def test_production_refuses_a_generated_or_default_secret(tmp_path, monkeypatch, secret) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    config = {"DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "REDIS_URL": "redis://127.0.0.1:1"}
    if secret is not None:
        config["SECRET_KEY"] = secret
    with pytest.raises(InsecureConfiguration):
        create_app(config)


def test_production_starts_with_a_real_secret(tmp_path) -> None:
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
                      "REDIS_URL": "redis://127.0.0.1:1", "SECRET_KEY": "x" * 40,
                      "CALLBACK_TOKEN": "t" * 24})
    assert not app.testing
    app.extensions["db"].engine.dispose()


@pytest.mark.parametrize("token", [None, "", "changeme", "short"])
def test_production_refuses_to_start_without_a_callback_token(tmp_path, monkeypatch,
                                                              token) -> None:
    monkeypatch.delenv("MREJESHO_CALLBACK_TOKEN", raising=False)
    config = {"DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "REDIS_URL": "redis://127.0.0.1:1",
              "SECRET_KEY": "x" * 40, "CALLBACK_TOKEN": token}
    with pytest.raises(InsecureConfiguration, match="CALLBACK_TOKEN"):
        create_app(config)
    app = create_app({**config, "CALLBACK_TOKEN_REQUIRED": False})  # the explicit opt-out
    app.extensions["db"].engine.dispose()


@pytest.mark.parametrize("config", [{"TESTING": True}, {"EMBEDDED": True}, {"DEBUG": True}])
def test_local_modes_may_use_the_instance_secret(tmp_path, config) -> None:
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
                      "REDIS_URL": "redis://127.0.0.1:1", **config})
    assert app.config["SECRET_KEY_GENERATED"]
    app.extensions["db"].engine.dispose()


@pytest.mark.parametrize("path", ["/healthz", "/admin/login", "/admin/", "/nowhere"])
def test_headers_everywhere(client, path) -> None:
    resp = client.get(path)
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["Referrer-Policy"] == "same-origin"
    if path.startswith("/admin"):
        csp = resp.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
        assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
        assert resp.headers["Cache-Control"] == "no-store"


def test_hsts_over_https(client) -> None:
    resp = client.get("/healthz", base_url="https://localhost")
    assert resp.headers["Strict-Transport-Security"].startswith("max-age=")


def test_login_is_rate_limited_per_address_in_redis(app, client, redis_client) -> None:
    codes = [client.post("/admin/login", data={"email": f"u{i}@x.go.tz", "password": "no"},
                         environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code
             for i in range(12)]
    assert 429 not in codes[:10] and codes[10:] == [429, 429]
    assert any(b"login-ip" in key for key in redis_client.keys("*"))
    other = client.post("/admin/login", data={"email": "z@x.go.tz", "password": "no"},
                        environ_base={"REMOTE_ADDR": "10.9.9.10"})
    assert other.status_code != 429


def test_login_posts_are_never_limited_per_account(client) -> None:
    """A per-account limit anyone can spend would lock the officer out (test_login.py)."""
    codes = [client.post("/admin/login", data={"email": "head@x.go.tz", "password": "no"},
                         environ_base={"REMOTE_ADDR": f"10.8.0.{i}"}).status_code
             for i in range(12)]
    assert 429 not in codes


def test_behind_a_proxy_the_forwarded_address_and_scheme_count(database_url,
                                                              redis_url) -> None:
    proxied = create_app({"TESTING": True, "SECRET_KEY": "t", "WTF_CSRF_ENABLED": False,
                          "DATABASE_URL": database_url, "REDIS_URL": redis_url,
                          "PROXY_HOPS": 1})
    try:
        client = proxied.test_client()

        def login(forwarded_for: str, email: str) -> int:
            return client.post("/admin/login", data={"email": email, "password": "no"},
                               headers={"X-Forwarded-For": forwarded_for},
                               environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code
        codes = [login("41.59.1.1", f"p{i}@x.go.tz") for i in range(11)]
        assert 429 not in codes[:10] and codes[10] == 429
        assert login("41.59.1.2", "q@x.go.tz") != 429  # same proxy, another citizen
        https = client.get("/healthz", headers={"X-Forwarded-Proto": "https"})
        assert https.headers["Strict-Transport-Security"].startswith("max-age=")
    finally:
        proxied.extensions["db"].engine.dispose()


def test_without_proxy_hops_forwarded_headers_are_ignored(client) -> None:
    resp = client.get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in resp.headers


def test_login_still_answers_when_the_limit_store_is_down(app, database_url) -> None:
    """Redis down must not turn the login page into a 500 (the account lockout still holds)."""
    dead = create_app({"TESTING": True, "SECRET_KEY": "t", "WTF_CSRF_ENABLED": False,
                       "DATABASE_URL": database_url, "REDIS_URL": "redis://127.0.0.1:1"})
    try:
        resp = dead.test_client().post("/admin/login", data={"email": "a@b.c", "password": "x"})
        assert resp.status_code in (200, 302, 303, 400, 401, 403, 404, 503)
    finally:
        dead.extensions["db"].engine.dispose()
