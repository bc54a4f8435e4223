"""May this officer take this action on this feedback now? One predicate per action.

The services ask :func:`check_action` before they change anything, and the admin
asks :func:`allowed_actions` to decide which forms to show: the same rule for
both, so the page never offers a button the core would refuse.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from core.errors import IllegalTransition, MrejeshoError, NotAllowed, UnknownFeedback
from core.models import Feedback, Officer
from core.scope import in_scope, visible_institution_ids
from core.status import TRANSITIONS, Status

Rule = Callable[[Session, Feedback, Officer], MrejeshoError | None]
ACTIONS = ("start", "answer", "transfer", "reject", "close")
# Oversight looks at everything and gives directives (core.directives); answering,
# transferring and rejecting stay with the officers of the institution that holds it.
HANDLED_BY_THE_DESK = frozenset({"answer", "transfer", "reject"})


def _moves_to(target: Status) -> Rule:
    def rule(session: Session, feedback: Feedback, officer: Officer) -> MrejeshoError | None:
        if target in TRANSITIONS[Status(feedback.status)]:
            return None
        return IllegalTransition(f"feedback that is {feedback.status} cannot become {target}")
    return rule


def _answer(session: Session, feedback: Feedback, officer: Officer) -> MrejeshoError | None:
    """An appeal goes to the parent institution, to someone who did not answer first."""
    refused = _moves_to(Status.ANSWERED)(session, feedback, officer)
    if refused is not None or feedback.status != Status.APPEALED:
        return refused
    if officer.id == feedback.first_answered_by_id:
        return NotAllowed("an appeal is answered by an officer who did not give the first answer")
    ids = visible_institution_ids(session, officer)
    if ids is not None and feedback.appeal_institution_id not in ids:
        return NotAllowed("an appeal is answered by the institution it went to")
    return None


RULES: dict[str, Rule] = {
    "start": _moves_to(Status.IN_PROGRESS),
    "answer": _answer,
    # A transfer is RECEIVED/IN_PROGRESS -> RECEIVED at another institution.
    "transfer": lambda s, f, o: (None if f.status in (Status.RECEIVED, Status.IN_PROGRESS)
                                 else IllegalTransition(f"feedback that is {f.status} "
                                                        "cannot be transferred")),
    "reject": _moves_to(Status.REJECTED),
    "close": _moves_to(Status.CLOSED),
}


def refusal(session: Session, action: str, feedback: Feedback,
            officer: Officer) -> MrejeshoError | None:
    """Why ``officer`` may not take ``action`` on ``feedback``, or ``None`` if they may."""
    if not in_scope(session, officer, feedback):
        return UnknownFeedback("no such feedback")
    if (action in HANDLED_BY_THE_DESK and officer.role == "oversight"
            and officer.institution_id not in (feedback.institution_id,
                                               feedback.appeal_institution_id)):
        return NotAllowed("oversight directs; the institution that holds it acts")
    return RULES[action](session, feedback, officer)


def check_action(session: Session, action: str, feedback: Feedback, officer: Officer) -> None:
    refused = refusal(session, action, feedback, officer)
    if refused is not None:
        raise refused


def allowed_actions(session: Session, feedback: Feedback, officer: Officer) -> frozenset[str]:
    """The actions the feedback page offers: exactly those the services would accept."""
    return frozenset(a for a in ACTIONS if refusal(session, a, feedback, officer) is None)
