"""Service levels: due dates counted in Tanzanian working days.

Weekends and public holidays (the ``holidays`` library's Tanzania calendar)
are skipped. Defaults follow DESIGN.md: complaints and inquiries are answered
within 7 working days, everything else within 14; a transfer within 5.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache

import holidays

from core.status import Kind


@dataclass(frozen=True)
class Policy:
    answer_days: dict[str, int] = field(default_factory=lambda: {
        Kind.COMPLAINT: 7, Kind.INQUIRY: 7, Kind.SUGGESTION: 14,
        Kind.COMPLIMENT: 14, Kind.OPINION: 14})
    acknowledge_days: int = 2
    transfer_days: int = 5
    appeal_window_days: int = 14


DEFAULT_POLICY = Policy()


@lru_cache(maxsize=16)
def _holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("TZ", years=year)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def add_working_days(start: datetime, days: int) -> datetime:
    """``start`` moved forward by ``days`` working days, same time of day."""
    moment = start
    left = days
    while left > 0:
        moment += timedelta(days=1)
        if is_working_day(moment.date()):
            left -= 1
    return moment


def answer_due(kind: str, start: datetime, policy: Policy = DEFAULT_POLICY) -> datetime:
    return add_working_days(start, policy.answer_days.get(kind, 14))


def transfer_due(start: datetime, policy: Policy = DEFAULT_POLICY) -> datetime:
    return add_working_days(start, policy.transfer_days)


def acknowledge_due(start: datetime, policy: Policy = DEFAULT_POLICY) -> datetime:
    """When a new feedback should have been acknowledged (taken in hand or answered)."""
    return add_working_days(start, policy.acknowledge_days)
