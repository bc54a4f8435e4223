"""Service levels: due dates counted in Tanzanian working days.

Weekends and public holidays (the ``holidays`` library's Tanzania calendar)
are skipped. Defaults are the README's "Service levels": complaints and inquiries are
answered within 7 working days, everything else within 14; a transfer within 5.
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
# The policy in force: the composition root may replace it once from configuration
# (web.schedule reads MREJESHO_SLA_*); every due date and window asks active().
_active: list[Policy] = [DEFAULT_POLICY]


def configure(policy: Policy) -> None:
    _active[0] = policy


def active() -> Policy:
    return _active[0]


def policy_from_config(answer_days: dict[str, int] | None = None,
                       acknowledge_days: int | None = None, transfer_days: int | None = None,
                       appeal_window_days: int | None = None) -> Policy:
    """A Policy with the given figures over the defaults; unknown kinds or days < 1 refused."""
    days = dict(DEFAULT_POLICY.answer_days)
    for kind, n in (answer_days or {}).items():
        Kind(kind)  # raises ValueError on a kind that does not exist
        days[kind] = int(n)
    figures = [*days.values(), *(v for v in (acknowledge_days, transfer_days,
                                              appeal_window_days) if v is not None)]
    if any(int(n) < 1 for n in figures):
        raise ValueError("service levels are whole numbers of days, at least 1")
    return Policy(answer_days=days,
                  acknowledge_days=acknowledge_days or DEFAULT_POLICY.acknowledge_days,
                  transfer_days=transfer_days or DEFAULT_POLICY.transfer_days,
                  appeal_window_days=appeal_window_days or DEFAULT_POLICY.appeal_window_days)


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


def answer_due(kind: str, start: datetime, policy: Policy | None = None) -> datetime:
    return add_working_days(start, (policy or active()).answer_days.get(kind, 14))


def transfer_due(start: datetime, policy: Policy | None = None) -> datetime:
    return add_working_days(start, (policy or active()).transfer_days)


def acknowledge_due(start: datetime, policy: Policy | None = None) -> datetime:
    """When a new feedback should have been acknowledged (taken in hand or answered)."""
    return add_working_days(start, (policy or active()).acknowledge_days)
