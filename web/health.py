"""Liveness and readiness for the load balancer."""

from __future__ import annotations

import logging

from flask import Flask, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import text

from infra import db, kv

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    app.add_url_rule("/healthz", "healthz", healthz)
    app.add_url_rule("/readyz", "readyz", readyz)


def healthz() -> ResponseReturnValue:
    return jsonify(status="ok")


def readyz() -> ResponseReturnValue:
    checks = {"database": _check_database(), "redis": _check_redis()}
    ready = all(v == "ok" for v in checks.values())
    return jsonify(status="ready" if ready else "unavailable", **checks), 200 if ready else 503


def _check_database() -> str:
    try:
        with db.database().engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return "ok"
    except Exception as exc:  # any failure means not ready; the reason goes to the log
        log.warning("readiness: database: %s", exc)
        return "unavailable"


def _check_redis() -> str:
    try:
        kv.client().ping()
        return "ok"
    except Exception as exc:
        log.warning("readiness: redis: %s", exc)
        return "unavailable"
