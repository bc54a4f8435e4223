"""How long a first answer took, in Tanzanian working days, and whether it came on time.

Kept on the feedback row when it is first answered (``answer_days``,
``on_time``), so the leader's ranking reads a small histogram per institution
instead of walking calendars over every answered row: a median cannot be
summed the way the tally sums counts. Appeals answered again do not move it:
the figure is about the institution's first answer to the citizen.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from core.localtime import LOCAL
from core.sla import is_working_day

MAX_DAYS = 10_000  # a smallint, and far past any window the dashboard reads


def working_days(start: datetime, end: datetime) -> int:
    """Working days after ``start``'s local day up to and including ``end``'s (0: same day)."""
    first, last = start.astimezone(LOCAL).date(), end.astimezone(LOCAL).date()
    days, day = 0, first
    while day < last and days < MAX_DAYS:
        day += timedelta(days=1)
        days += is_working_day(day)
    return days


def first_answer(created_at: datetime, due_at: datetime | None,
                 answered_at: datetime) -> tuple[int, bool]:
    """(working days to the answer, answered by its due time) for a first answer."""
    return working_days(created_at, answered_at), due_at is None or answered_at <= due_at


__all__ = ["first_answer", "working_days"]
