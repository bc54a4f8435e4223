"""Service levels: due dates counted in Tanzanian working days.

Weekends and public holidays (the ``holidays`` library's Tanzania calendar)
are skipped. The defaults are the figures README.md documents under *Service
levels*: complaints and inquiries are answered within 7 working days,
everything else within 14; a transfer within 5; a new feedback is taken in
hand within 2; an answer may be appealed for 14 calendar days. They are this
gateway's defaults, not figures quoted from a regulation: the announcements
of the President's Office, Public Service Management and Good Governance,
make the use of e-Mrejesho a legal duty of every public institution but give
no day counts, so every figure can be set (``MREJESHO_SLA_*``, read once by
``web.config.policies`` and handed to core in ``core.policies.Policies``).
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
def _holidays(year: int) -> frozenset[date]:
    """The year's public holidays as plain dates: a ``HolidayBase`` converts every key it
    is asked about, and each due date asks about a week or two of days."""
    return frozenset(holidays.country_holidays("TZ", years=year))


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
