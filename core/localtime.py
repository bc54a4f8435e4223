"""Times as an officer in Tanzania reads them: Africa/Dar_es_Salaam, durations in days.

The database keeps UTC; every page, CSV cell and SMS that shows a time converts
it here, so no template or export formats a UTC time by hand.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Africa/Dar_es_Salaam")


def local(moment: datetime | None) -> datetime | None:
    return moment.astimezone(LOCAL) if moment is not None else None


def local_text(moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """``moment`` in Dar es Salaam time, or ``""`` for none."""
    return moment.astimezone(LOCAL).strftime(fmt) if moment is not None else ""


def local_date(moment: datetime | None) -> str:
    """The local day, as a citizen reads a date in an SMS: ``31/12/2026``."""
    return local_text(moment, "%d/%m/%Y")


def days_between(start: datetime | None, end: datetime) -> int:
    """Whole days from ``start`` to ``end`` (0 on the same day, never negative)."""
    if start is None:
        return 0
    return max(0, (end - start).days)
