"""Which feedback an officer may see: their institution, a head's subtree, or all.

Feedback escalated for being overdue (core.accountability) is also seen by the
officers of its institution's parent, which must now see it answered.

Anything outside the scope is reported as not found, never as forbidden, so a
guessed URL tells nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, true
from sqlalchemy.orm import Session

from core.errors import UnknownFeedback
from core.models import Feedback, FeedbackTally, Institution, Officer

ROLES = ("officer", "head", "oversight", "admin")
SEES_ALL = frozenset({"oversight", "admin"})


def subtree_ids(session: Session, root_id: int) -> set[int]:
    """``root_id`` and every institution below it (and a district office's councils)."""
    children: dict[int, list[int]] = {}
    for inst_id, parent_id, district_id in session.execute(
            select(Institution.id, Institution.parent_id, Institution.district_id)):
        for above in (parent_id, district_id):  # a district's leaders see its councils too
            if above is not None:
                children.setdefault(above, []).append(inst_id)
    found, todo = {root_id}, [root_id]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def visible_institution_ids(session: Session, officer: Officer) -> set[int] | None:
    """The institutions whose feedback ``officer`` sees; ``None`` means all."""
    if officer.role in SEES_ALL:
        return None
    if officer.role == "head":
        return subtree_ids(session, officer.institution_id)
    return {officer.institution_id}


def scope_filter(session: Session, officer: Officer) -> ColumnElement[bool]:
    """A WHERE clause limiting Feedback rows to ``officer``'s scope (appeals included)."""
    return scope_clause(visible_institution_ids(session, officer))


def scope_clause(ids: set[int] | None, institution: Any = Feedback.institution_id,
                 appeal: Any = Feedback.appeal_institution_id,
                 escalated: Any = Feedback.escalated,
                 below: set[int] | None = None) -> ColumnElement[bool]:
    """:func:`scope_filter` for :func:`visible_institution_ids` ``ids``, on Feedback or
    any table that carries the three columns it looks at (the dashboard's tally).

    ``below``, the institutions whose parent is in ``ids`` if the caller has read them,
    makes the escalated arm a plain list (see :func:`tally_scope`).
    """
    if ids is None:
        return true()
    children = institution.in_(below) if below is not None else institution.in_(
        select(Institution.id).where(Institution.parent_id.in_(ids)))
    return or_(institution.in_(ids), appeal.in_(ids), and_(escalated.is_(True), children))


def tally_scope(session: Session, ids: set[int] | None) -> ColumnElement[bool]:
    """:func:`scope_clause` on the feedback tally, the escalated arm's institutions read first.

    With every arm of the ``OR`` a list, PostgreSQL reads each from its index
    (migration 0010) and combines them; a sub-select arm made it read the facet's
    rows of every institution instead (a dashboard at a million feedback: 150,000).
    """
    if ids is None:
        return true()
    below = set(session.scalars(select(Institution.id).where(Institution.parent_id.in_(ids))))
    return scope_clause(ids, FeedbackTally.institution_id, FeedbackTally.appeal_institution_id,
                        FeedbackTally.escalated, below)


def scope_branches(ids: set[int]) -> list[ColumnElement[bool]]:
    """:func:`scope_clause` as its three alternatives, each served by an index of its own.

    A query that takes the first rows of each alternative and merges them reads
    a few index entries; the same query over the ``OR`` of the three has to
    collect and sort everything the ``OR`` matches (web.queries' inbox, core.queue).
    """
    return [Feedback.institution_id.in_(ids), Feedback.appeal_institution_id.in_(ids),
            and_(Feedback.escalated.is_(True), Feedback.institution_id.in_(
                select(Institution.id).where(Institution.parent_id.in_(ids))))]


def in_scope(session: Session, officer: Officer, feedback: Feedback) -> bool:
    """In scope as :func:`scope_filter` says; escalated feedback is seen by the parent too."""
    ids = visible_institution_ids(session, officer)
    if ids is None or feedback.institution_id in ids or feedback.appeal_institution_id in ids:
        return True
    return feedback.escalated and feedback.institution.parent_id in ids


def check_scope(session: Session, officer: Officer, feedback: Feedback) -> None:
    if not in_scope(session, officer, feedback):
        raise UnknownFeedback("no such feedback")
