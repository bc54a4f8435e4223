"""How long a first answer took, in Tanzanian working days, and whether it came on time.

Kept on the feedback row when it is first answered (``answer_days``,
``on_time``), so the leader's ranking reads a small histogram per institution
instead of walking calendars over every answered row: a median cannot be
summed the way the tally sums counts. Appeals answered again do not move it:
the figure is about the institution's first answer to the citizen.

This module is the one home of "median days to answer" and "answered on time"
(issue 15): the leaders' board, the reports and the public statistics page all
read :func:`first_answer_times` over their own rows, so the same rows give the
same figures on each.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import QueryableAttribute, Session

from core.localtime import LOCAL
from core.models import Feedback
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


@dataclass
class AnswerTimes:
    """The first answers of some rows: how many, how many on time, working days -> how many."""

    first_answers: int = 0
    on_time: int = 0
    days: Counter[int] = field(default_factory=Counter)

    def __add__(self, other: AnswerTimes) -> AnswerTimes:
        return AnswerTimes(self.first_answers + other.first_answers,
                           self.on_time + other.on_time, self.days + other.days)

    @property
    def on_time_share(self) -> float | None:
        return self.on_time / self.first_answers if self.first_answers else None

    @property
    def median_days(self) -> float | None:
        return histogram_median(self.days)


def histogram_median(counts: Counter[int]) -> float | None:
    """The median of the values ``counts`` holds (the mean of the middle two when even)."""
    total = sum(counts.values())
    if not total:
        return None
    wanted = ((total - 1) // 2, total // 2)   # positions of the middle value(s), from 0
    found: list[int] = []
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        found += [value for position in wanted[len(found):] if position < seen]
        if len(found) == 2:
            break
    return (found[0] + found[1]) / 2


def first_answer_times(session: Session, *where: ColumnElement[bool],
                       by: QueryableAttribute[Any] | None = None) -> dict[Any, AnswerTimes]:
    """The first answers of the feedback ``where`` selects, per value of ``by`` (``None``: one).

    One grouped query over the kept days, served by ``ix_feedback_first_answer``:
    a histogram of at most a few thousand rows whatever the table's size.
    """
    keys = [by] if by is not None else []
    stmt = (select(*keys, Feedback.answer_days, Feedback.on_time, func.count())
            .where(Feedback.answer_days.is_not(None), *where)
            .group_by(*keys, Feedback.answer_days, Feedback.on_time))
    found: dict[Any, AnswerTimes] = {}
    for row in session.execute(stmt):
        days, on_time, n = row[-3:]
        times = found.setdefault(row[0] if by is not None else None, AnswerTimes())
        times.first_answers += int(n)
        times.on_time += int(n) if on_time else 0
        times.days[int(days or 0)] += int(n)
    return found


__all__ = ["AnswerTimes", "first_answer", "first_answer_times", "histogram_median",
           "working_days"]
