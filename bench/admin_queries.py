"""The look-ups the admin's inbox and dashboard make, to time at a million rows.

``build`` uses the admin's own ``core/queries.py`` when it is there. Until then (and
beside it) ``reference`` times the same shapes written directly on the models — the
newest page of an institution's inbox, one filtered by status, a page deep in the
keyset, and the dashboard's counts — so the figures say what the schema's indexes allow.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from core.models import Feedback, Institution

PAGE = 25
Query = Callable[[Session], Any]


def _by_volume(session: Session, busiest: bool) -> int:
    """The institution with the most (or fewest) feedback rows.

    The busiest is the deepest inbox to page through; the quietest is the one whose
    newest page an index on ``created_at`` alone finds last (it skips everyone else's).
    """
    count = func.count()
    row = session.execute(select(Feedback.institution_id, count).group_by(
        Feedback.institution_id).order_by(count.desc() if busiest else count).limit(1)).first()
    return int(row[0]) if row else int(session.scalar(select(Institution.id).limit(1)) or 0)


def _deep_cursor(session: Session, inst: int, depth: int) -> tuple[datetime, int]:
    """(created_at, id) of the row ``depth`` rows down the busiest inbox."""
    row = session.execute(select(Feedback.created_at, Feedback.id)
                          .where(Feedback.institution_id == inst)
                          .order_by(Feedback.created_at.desc(), Feedback.id.desc())
                          .offset(depth).limit(1)).first()
    return (row[0], row[1]) if row else (datetime.now(), 0)


def reference(session: Session) -> dict[str, Query]:
    inst, quiet = _by_volume(session, True), _by_volume(session, False)
    cursor = _deep_cursor(session, inst, 20_000)
    newest = (Feedback.created_at.desc(), Feedback.id.desc())
    mine = Feedback.institution_id == inst

    def first(s: Session) -> Any:
        return s.scalars(select(Feedback).where(mine).order_by(*newest).limit(PAGE)).all()

    def open_queue(s: Session) -> Any:  # the desk's default: open work, oldest due first
        return s.scalars(select(Feedback).where(
            mine, Feedback.status.in_(("appealed", "in_progress", "received")))
            .order_by(Feedback.due_at, Feedback.id).limit(PAGE)).all()

    def first_quiet(s: Session) -> Any:
        return s.scalars(select(Feedback).where(Feedback.institution_id == quiet)
                         .order_by(*newest).limit(PAGE)).all()

    def filtered(s: Session) -> Any:
        return s.scalars(select(Feedback).where(mine, Feedback.status == "in_progress")
                         .order_by(*newest).limit(PAGE)).all()

    def deep(s: Session) -> Any:
        return s.scalars(select(Feedback).where(
            mine, tuple_(Feedback.created_at, Feedback.id) < tuple_(*cursor))
            .order_by(*newest).limit(PAGE)).all()

    def dashboard(s: Session) -> Any:
        by_status = s.execute(select(Feedback.status, func.count()).where(mine)
                              .group_by(Feedback.status)).all()
        overdue = s.scalar(select(func.count()).where(
            mine, Feedback.status.in_(("received", "in_progress", "appealed")),
            Feedback.due_at < func.now()))
        return by_status, overdue

    return {"SQL: inbox first page": first, "SQL: open queue first page": open_queue,
            "SQL: quietest inbox first page": first_quiet,
            "SQL: inbox by status": filtered,
            "SQL: inbox page 800 (keyset)": deep, "SQL: dashboard counts": dashboard}


def _officer(session: Session, role: str, inst_id: int) -> Any:
    """A bench officer of ``role`` at ``inst_id``, created once in the bench database."""
    from core.models import Officer
    from core.officers import create_officer

    email = f"bench-{role}-{inst_id}@bench.invalid"
    found = session.scalar(select(Officer).where(Officer.email == email))
    if found is not None:
        return found
    code = session.scalar(select(Institution.code).where(Institution.id == inst_id))
    officer = create_officer(session, email=email, name=f"Bench {role}", role=role,
                             institution_code=str(code), password="bench-password-1")
    session.commit()
    return officer


def _leaders(session: Session, busy: int) -> dict[str, Query]:
    """The leaders' ranking of the country and of the busiest institution's parent, and a
    month's national report (core.ranking, core.reports)."""
    from core import ranking, reports

    inst = session.get(Institution, busy)
    parent = inst.parent if inst is not None and inst.parent is not None else inst
    month = reports.Period.containing("month", datetime.now().date()).previous()
    return {
        "leaders' ranking (national)": lambda s: ranking.rank(s, None),
        "leaders' ranking (busiest scope)": lambda s: ranking.rank(
            s, s.get(Institution, parent.id) if parent else None),
        "report build (national, last month)": lambda s: reports.build(s, None, month),
    }


def build(session: Session) -> dict[str, Query]:
    """The admin's own functions in core/queries.py, as its inbox and dashboard call them."""
    from core import queries as q
    from core import queue

    busy, quiet = _by_volume(session, True), _by_volume(session, False)
    officer, lonely = _officer(session, "officer", busy), _officer(session, "officer", quiet)
    oversight = _officer(session, "oversight", busy)
    deep = _deep_cursor(session, busy, 20_000)
    busy_filter = q.InboxFilter(status="in_progress", kind="complaint")
    leaders = _leaders(session, busy)
    return {**leaders,
        "inbox first page (officer)": lambda s: q.inbox_page(s, officer, q.InboxFilter()),
        "inbox first page (oversight)": lambda s: q.inbox_page(s, oversight, q.InboxFilter()),
        "inbox first page (quietest)": lambda s: q.inbox_page(s, lonely, q.InboxFilter()),
        "inbox filtered page (officer)": lambda s: q.inbox_page(s, officer, busy_filter),
        "inbox page 800 (keyset)": lambda s: q.inbox_page(
            s, officer, q.InboxFilter(every_status=True), deep),
        # The desk (issue 17): its views, and the navigation counts every admin page shows.
        "inbox everything, newest first (officer)": lambda s: q.inbox_page(
            s, officer, q.InboxFilter(every_status=True)),
        "inbox my items (officer)": lambda s: q.inbox_page(s, officer, q.InboxFilter(
            assignee="me")),
        "inbox unassigned (officer)": lambda s: q.inbox_page(s, officer, q.InboxFilter(
            assignee="none")),
        "inbox overdue (officer)": lambda s: q.inbox_page(s, officer, q.InboxFilter(overdue=True)),
        "navigation counts (officer)": lambda s: queue.nav_counts(s, officer),
        "navigation counts (oversight)": lambda s: queue.nav_counts(s, oversight),
        "dashboard (officer)": lambda s: q.dashboard(s, officer),
        "dashboard (oversight)": lambda s: q.dashboard(s, oversight),
    }
