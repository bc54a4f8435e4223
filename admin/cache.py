"""A one-minute Redis cache of the dashboard per scope (role and institution).

The figures scan the 90-day window (seconds at a million rows), so an officer
reloading the page, or colleagues sharing a scope, reuse the last minute's figures.
Redis down means no cache, never an error.
"""

from __future__ import annotations

import json
import logging
from datetime import date

import redis

from core.models import Officer
from core.queries import Dashboard
from core.scope import SEES_ALL
from web import kv

log = logging.getLogger(__name__)
TTL_SECONDS = 60


def key(officer: Officer) -> str:
    place = "all" if officer.role in SEES_ALL else f"{officer.role}:{officer.institution_id}"
    return f"mrejesho:admin:dashboard:{place}"


def load(officer: Officer) -> Dashboard | None:
    try:
        raw = kv.client().get(key(officer))
    except redis.RedisError as exc:
        log.warning("dashboard cache unavailable: %s", exc)
        return None
    if raw is None:
        return None
    doc = json.loads(raw)
    return Dashboard(by_status=doc["by_status"], overdue=doc["overdue"],
                     by_institution=[tuple(r) for r in doc["by_institution"]],
                     by_kind=doc["by_kind"], hours_to_answer=doc["hours_to_answer"],
                     hours_to_close=doc["hours_to_close"],
                     per_day=[(date.fromisoformat(d), n) for d, n in doc["per_day"]])


def store(officer: Officer, board: Dashboard) -> None:
    doc = {"by_status": board.by_status, "overdue": board.overdue,
           "by_institution": board.by_institution, "by_kind": board.by_kind,
           "hours_to_answer": board.hours_to_answer, "hours_to_close": board.hours_to_close,
           "per_day": [(d.isoformat(), n) for d, n in board.per_day]}
    try:
        kv.client().set(key(officer), json.dumps(doc), ex=TTL_SECONDS)
    except redis.RedisError as exc:
        log.warning("dashboard cache unavailable: %s", exc)
