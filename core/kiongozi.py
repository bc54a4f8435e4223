"""Sema na Kiongozi: a citizen writes to a leader's office, by USSD or SMS.

It is feedback like any other (reference, tracking, anonymity, appeal) whose
``to_leader`` mark says where the citizen meant it to go, so the office shows
its origin and can filter it. A leader's office is one of three levels: a
ministry (its minister, deputy and permanent secretaries), a regional
secretariat (the regional commissioner) or a district commissioner's office.
The central triage desk also takes one, when an SMS names no office it knows,
so that nothing is lost: an officer routes it on, and the mark stays.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.errors import InvalidFeedback
from core.institutions import TRIAGE_CODE, get_institution
from core.models import Institution

# Level -> the institution kind that holds that level's leaders.
LEVELS = {"national": "ministry", "regional": "regional_secretariat", "district": "district"}
LEADER_KINDS = frozenset(LEVELS.values())
MAX_CLIMB = 8


def is_leader_office(kind: str) -> bool:
    return kind in LEADER_KINDS


def check_leader_target(kind: str) -> None:
    """Refuse a message to a leader aimed at an office that holds no leader."""
    if not (is_leader_office(kind) or kind == "triage"):
        raise InvalidFeedback("a message to a leader goes to a leader's office")


def leader_office(session: Session, code: str) -> Institution:
    """The leader's office over ``code``: itself, a council's district, or the nearest above.

    A citizen who names a council or an agency by SMS means the leader over it;
    none found (an unknown code has already been refused) gives the triage desk.
    """
    inst: Institution | None = get_institution(session, code)
    if inst is not None and inst.kind == "lga" and inst.district_id is not None:
        return session.get_one(Institution, inst.district_id)
    for _ in range(MAX_CLIMB):
        if inst is None or is_leader_office(inst.kind):
            break
        inst = inst.parent
    return inst if inst is not None else get_institution(session, TRIAGE_CODE)


__all__ = ["LEADER_KINDS", "LEVELS", "check_leader_target", "is_leader_office",
           "leader_office"]
