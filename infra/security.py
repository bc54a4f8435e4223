"""Mounted first: secret-key check, security headers, the admin login rate limit, log masking.

Why here and not in each blueprint: these rules hold for every page, including
pages written later, and a channel module cannot forget them. The login limit
is applied by method and path so the admin blueprint needs no decorator from
us; it is kept in the app's Redis (``limits``' moving window, the library under
Flask-Limiter, called only for login POSTs so no other request pays for it) so
every web worker on every host counts the same attempts.
"""

from __future__ import annotations

import logging
from typing import Any

import click
import redis
from flask import Flask, Request, Response, current_app, render_template, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from limits import parse_many
from limits.storage import RedisStorage
from limits.strategies import MovingWindowRateLimiter
from werkzeug.middleware.proxy_fix import ProxyFix

from core.i18n import translator
from infra import kv
from infra import logging as phone_logging

log = logging.getLogger(__name__)

# Secrets that appear in examples and tests; a production app refuses them.
DEFAULT_SECRETS = frozenset({"", "dev", "development", "test", "testing", "secret",
                             "changeme", "change-me", "change_me", "default", "insecure"})

ADMIN_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
             "script-src 'self'; object-src 'none'; base-uri 'none'; "
             "frame-ancestors 'none'; form-action 'self'")

class InsecureConfiguration(RuntimeError):
    """The app would run in production with a secret an attacker can know or guess."""


def init_app(app: Flask) -> None:
    """The settings (LOGIN_*, PROXY_HOPS, *_RATE_LIMIT…) have their defaults in web.config."""
    phone_logging.install()
    phone_logging.init_app(app)
    check_secret_key(app)
    check_callback_token(app)
    app.session_interface = _CookieSessions()
    hops = int(app.config["PROXY_HOPS"] or 0)
    if hops:  # else behind a balancer every officer shares its address and one login limit
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    storage = RedisStorage("redis://", connection_pool=_AppPool(app),
                           key_prefix=app.config["RATELIMIT_KEY_PREFIX"])
    app.extensions["security_limiter"] = MovingWindowRateLimiter(storage)
    app.before_request(_limit_login)
    app.after_request(_headers)


class _CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, without building a signer for a request with no cookie.

    USSD and SMS callbacks never carry one, and are most of the traffic.
    """

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if not request.cookies.get(self.get_cookie_name(app)) and app.secret_key:
            return self.session_class()
        return super().open_session(app, request)


def is_production(app: Flask) -> bool:
    return not (app.testing or app.debug or app.config.get("EMBEDDED"))


def check_secret_key(app: Flask) -> None:
    """Refuse to serve in production with a generated, missing or well-known secret key.

    A generated key lives in one host's instance/ folder: behind a load balancer each
    host would sign sessions differently, and the file is not a managed secret. A
    one-off CLI command (``flask db upgrade``) signs nothing and is let through.
    """
    if not is_production(app) or click.get_current_context(silent=True) is not None:
        return
    secret = str(app.config.get("SECRET_KEY") or "")
    if app.config.get("SECRET_KEY_GENERATED") or secret.strip().lower() in DEFAULT_SECRETS:
        raise InsecureConfiguration(
            "refusing to start in production without SECRET_KEY from the environment "
            "(set SECRET_KEY, or MREJESHO_EMBEDDED=true / debug for a local run)")


def check_callback_token(app: Flask) -> None:
    """Refuse to serve callbacks in production without a shared secret to check.

    Without one, anyone who finds the callback URL can post an SMS "from" any
    number or play a USSD session as anyone. ``CALLBACK_TOKEN_REQUIRED=false``
    is the explicit, logged opt-out for a benchmark on loopback.
    """
    if not is_production(app) or click.get_current_context(silent=True) is not None:
        return
    token = str(app.config.get("CALLBACK_TOKEN") or "")
    if not app.config["CALLBACK_TOKEN_REQUIRED"]:
        log.warning("callbacks are served without a token (CALLBACK_TOKEN_REQUIRED=false)")
        return
    if token.strip().lower() in DEFAULT_SECRETS or len(token) < 16:
        raise InsecureConfiguration(
            "refusing to start in production without MREJESHO_CALLBACK_TOKEN (16 or more "
            "characters the aggregator appends as ?token=), or MREJESHO_EMBEDDED=true "
            "for a local run")


class _AppPool(redis.ConnectionPool):
    """Borrows the app's Redis pool when first used, so an embedded server starts only then."""

    def __init__(self, app: Flask) -> None:
        super().__init__()
        self._app = app

    def _pool(self) -> redis.ConnectionPool:
        pool: redis.ConnectionPool = kv.client(self._app).connection_pool
        return pool

    def get_connection(self, *args: Any, **kwargs: Any) -> Any:
        return self._pool().get_connection(*args, **kwargs)

    def release(self, connection: Any) -> None:
        self._pool().release(connection)


def _limit_login(app: Flask | None = None) -> Response | None:
    """Count every POST to the login page by address.

    Never by the account typed: a limit anyone can spend for an account is a
    lockout of its officer. Wrong guesses per account are slowed by core.login_throttle,
    which spares addresses that have not failed.
    """
    app = app or current_app
    if request.method != "POST" or request.path.rstrip("/") != app.config["LOGIN_PATH"]:
        return None
    limiter: MovingWindowRateLimiter = app.extensions["security_limiter"]
    checks = [("login-ip", request.remote_addr or "-", app.config["LOGIN_RATE_LIMIT"])]
    try:
        for scope, key, spec in checks:
            for item in parse_many(spec):
                if not limiter.hit(item, scope, key):
                    log.warning("login rate limit hit (%s)", scope)
                    return _too_many(item.get_expiry())
    except redis.RedisError as exc:  # never a 500 for Redis down: the hash still costs
        log.error("login rate limit unavailable: %s", exc)
    return None


def allow(scope: str, key: str, setting: str, app: Flask | None = None) -> bool:
    """One hit for ``key`` against the limits configured as ``setting``; False past them.

    The one place every per-number and per-session limit is counted (``limits``'
    moving window in the app's Redis, shared by every worker). Redis down: allowed,
    and logged, as a limit must never turn into an outage.
    """
    app = app or current_app
    limiter: MovingWindowRateLimiter = app.extensions["security_limiter"]
    try:
        for item in parse_many(app.config[setting]):
            if not limiter.hit(item, scope, key):
                log.info("rate limit %s reached for %s", scope, key)
                return False
    except redis.RedisError as exc:
        log.error("rate limit %s unavailable: %s", scope, exc)
    return True


def _too_many(retry_after: int) -> Response:
    """A page in the admin's look and the reader's language (their cookie; Swahili first)."""
    t = translator(request.cookies.get("lang"))
    resp = Response(render_template("admin/too_many.html", _=t._, locale=t.locale, me=None,
                                    minutes=max(1, -(-retry_after // 60))),
                    status=429, mimetype="text/html")
    resp.headers["Retry-After"] = str(retry_after)
    return resp


HEADERS = (("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "same-origin"),
           ("X-Frame-Options", "DENY"), ("Cross-Origin-Opener-Policy", "same-origin"))
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def header_items(secure: bool) -> list[tuple[str, str]]:
    """The headers every response gets (also sent by ussd.lean, which bypasses the hooks)."""
    return [*HEADERS, HSTS] if secure else list(HEADERS)


def _headers(resp: Response) -> Response:
    """Sensible headers everywhere; admin pages also get a strict CSP and no caching."""
    h = resp.headers
    for name, value in header_items(request.is_secure):
        h.setdefault(name, value)
    if request.path == "/admin" or request.path.startswith("/admin/"):
        h.setdefault("Content-Security-Policy", ADMIN_CSP)
        h.setdefault("Cache-Control", "no-store")
        h.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    return resp
