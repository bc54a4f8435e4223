"""The desk's counts: the navigation's (my items, unassigned, overdue) and who holds what.

The navigation shows on every admin page, so its counts stop at ``CAP``: an
officer needs "999+" to know there is a lot, never the exact figure at the
price of counting a busy institution's open rows on each click. Each count
reads a partial index of open rows (migration 0009_desk).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, true, union
from sqlalchemy.orm import Session

from core.models import Feedback, Officer, utcnow
from core.scope import scope_branches, visible_institution_ids
from core.status import OPEN_VALUES

CAP = 999


@dataclass(frozen=True)
class NavCounts:
    mine: int
    unassigned: int
    overdue: int


def capped_count(session: Session, ids: set[int] | None, *conds: Any) -> int:
    """Open feedback in the scope of ``ids`` (None: everywhere) matching ``conds``, counted
    up to ``CAP + 1`` per branch of the scope (core.scope.scope_branches) and no further."""
    branches = [true()] if ids is None else scope_branches(ids)
    parts = [select(Feedback.id).where(b, Feedback.status.in_(OPEN_VALUES), *conds)
             .limit(CAP + 1).subquery() for b in branches]
    found = union(*(select(p.c.id) for p in parts)) if len(parts) > 1 else select(parts[0].c.id)
    return int(session.scalar(select(func.count()).select_from(found.subquery())) or 0)


def nav_counts(session: Session, officer: Officer, now: datetime | None = None) -> NavCounts:
    """Open items held by ``officer``, held by nobody in their scope, and overdue in it."""
    now = now or utcnow()
    ids = visible_institution_ids(session, officer)
    return NavCounts(
        mine=capped_count(session, None, Feedback.assigned_to_id == officer.id),
        unassigned=capped_count(session, ids, Feedback.assigned_to_id.is_(None)),
        overdue=capped_count(session, ids, Feedback.due_at < now))


@dataclass(frozen=True)
class Holder:
    officer: Officer
    items: int
    oldest: datetime | None  # when the longest-held item was given to them


def holders(session: Session, officer: Officer) -> list[Holder]:
    """Who in ``officer``'s scope holds how much open work, and since when; most first.

    Read through ``ix_feedback_assigned`` per officer of the scope's institutions,
    so it costs the held items, not the institution's rows.
    """
    ids = visible_institution_ids(session, officer)
    people = select(Officer.id)
    if ids is not None:
        people = people.where(Officer.institution_id.in_(ids))
    rows = session.execute(select(
        Feedback.assigned_to_id, func.count(), func.min(Feedback.assigned_at))
        .where(Feedback.assigned_to_id.in_(people), Feedback.status.in_(OPEN_VALUES))
        .group_by(Feedback.assigned_to_id)).all()
    found = {o.id: o for o in session.scalars(select(Officer).where(
        Officer.id.in_([r[0] for r in rows])))}
    return sorted((Holder(found[r[0]], int(r[1]), r[2]) for r in rows if r[0] in found),
                  key=lambda h: (-h.items, h.officer.name))
