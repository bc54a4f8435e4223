"""Directives (maagizo): a leader tells an institution what must be done on a feedback, by when.

A directive has its own status table, as feedback has (:mod:`core.status`):
the leader issues it, the institution reports the action taken, and the
leader accepts the report (the directive is done) or sends it back with a
reason, after which the institution reports again. Every step is an Event on
the feedback with the officer's name, so the item's history shows it.

Who may do what:

- issue: oversight and admin anywhere; a head only for feedback of an
  institution strictly below their own (a leader directs the institutions
  under them, not their own desk);
- report: an officer or head of the institution the directive went to;
- accept or send back: the leader who issued it, or oversight/admin.

The due date counts Tanzanian working days (:mod:`core.sla`). Overdue
directives are reminded to the directed institution's officers once a day
and shown to the leader who gave them.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from core import sla
from core.accountability import local_day
from core.errors import IllegalTransition, InvalidFeedback, NotAllowed, UnknownFeedback
from core.events import EventKind, record
from core.i18n import translator
from core.institutions import get_institution
from core.models import Directive, Feedback, Officer, utcnow
from core.notify import queue_sms
from core.scope import SEES_ALL, in_scope, subtree_ids
from core.status import Status

MIN_TEXT = 5
MAX_TEXT = 2000
MAX_DAYS = 60


class DirectiveStatus(StrEnum):
    ISSUED = "issued"
    REPORTED = "reported"
    RETURNED = "returned"
    DONE = "done"


TRANSITIONS: dict[DirectiveStatus, frozenset[DirectiveStatus]] = {
    DirectiveStatus.ISSUED: frozenset({DirectiveStatus.REPORTED}),
    DirectiveStatus.REPORTED: frozenset({DirectiveStatus.DONE, DirectiveStatus.RETURNED}),
    DirectiveStatus.RETURNED: frozenset({DirectiveStatus.REPORTED}),
    DirectiveStatus.DONE: frozenset(),
}
# Waiting on the institution: these count as overdue once past their due date.
AWAITING_ACTION = (DirectiveStatus.ISSUED.value, DirectiveStatus.RETURNED.value)
OPEN = (*AWAITING_ACTION, DirectiveStatus.REPORTED.value)


def check_directive_transition(current: str, target: DirectiveStatus) -> None:
    if target not in TRANSITIONS[DirectiveStatus(current)]:
        raise IllegalTransition(f"a directive that is {current} cannot become {target.value}")


def _text(value: str | None, what: str) -> str:
    cleaned = " ".join((value or "").split())
    if not MIN_TEXT <= len(cleaned) <= MAX_TEXT:
        raise InvalidFeedback(f"{what} must be {MIN_TEXT} to {MAX_TEXT} characters")
    return cleaned


def _event(session: Session, directive: Directive, kind: EventKind, officer: Officer,
           now: datetime, **data: object) -> None:
    """The directive's entry in its feedback's history, naming the directive."""
    record(session, directive.feedback_id, kind, officer, now, directive=directive.id, **data)


def may_direct(session: Session, officer: Officer, institution_id: int) -> bool:
    """Whether ``officer`` leads ``institution_id``: oversight, or a head above it."""
    if officer.role in SEES_ALL:
        return True
    return (officer.role == "head" and institution_id != officer.institution_id
            and institution_id in subtree_ids(session, officer.institution_id))


def may_issue(session: Session, officer: Officer, feedback: Feedback) -> bool:
    """The one predicate the service and the admin page share for "give a directive"."""
    return (feedback.status != Status.REJECTED.value and in_scope(session, officer, feedback)
            and may_direct(session, officer, feedback.institution_id))


def may_report(officer: Officer, directive: Directive) -> bool:
    return (directive.status in AWAITING_ACTION and officer.role in ("officer", "head")
            and officer.institution_id == directive.institution_id)


def may_review(officer: Officer, directive: Directive) -> bool:
    return directive.status == DirectiveStatus.REPORTED.value and (
        officer.id == directive.issued_by_id or officer.role in SEES_ALL)


def issue_directive(session: Session, feedback: Feedback, leader: Officer, text: str,
                    days: int, to_code: str | None = None, share: bool = False,
                    now: datetime | None = None) -> Directive:
    """Direct an institution (the handling one unless ``to_code``) to act within ``days``."""
    now = now or utcnow()
    if not may_issue(session, leader, feedback):
        raise NotAllowed("only a leader above the institution may give a directive")
    target = get_institution(session, to_code) if to_code else feedback.institution
    if not may_direct(session, leader, target.id):
        raise NotAllowed("a directive goes to an institution under the leader")
    if not 1 <= days <= MAX_DAYS:
        raise InvalidFeedback(f"a directive is due in 1 to {MAX_DAYS} working days")
    directive = Directive(feedback_id=feedback.id, institution_id=target.id,
                          issued_by_id=leader.id, text=_text(text, "the directive"),
                          due_at=sla.add_working_days(now, days), shared=share,
                          status=DirectiveStatus.ISSUED.value, created_at=now, updated_at=now)
    session.add(directive)
    session.flush()
    _event(session, directive, EventKind.DIRECTIVE_ISSUED, leader, now, to=target.code,
           due_at=directive.due_at.isoformat(), shared=share)
    session.flush()
    return directive


def report_directive(session: Session, directive: Directive, officer: Officer, report: str,
                     now: datetime | None = None) -> None:
    """The directed institution says what it has done."""
    now = now or utcnow()
    if not may_report(officer, directive):
        check_directive_transition(directive.status, DirectiveStatus.REPORTED)
        raise NotAllowed("the institution the directive went to reports on it")
    directive.report = _text(report, "the report")
    directive.status, directive.updated_at = DirectiveStatus.REPORTED.value, now
    directive.reported_by_id, directive.reported_at = officer.id, now
    _event(session, directive, EventKind.DIRECTIVE_REPORTED, officer, now, report=directive.report)
    session.flush()


def review_directive(session: Session, directive: Directive, leader: Officer, accept: bool,
                     reason: str = "", now: datetime | None = None) -> None:
    """The leader accepts the report (done) or sends it back with a reason."""
    now = now or utcnow()
    target = DirectiveStatus.DONE if accept else DirectiveStatus.RETURNED
    check_directive_transition(directive.status, target)
    if not may_review(leader, directive):
        raise NotAllowed("the leader who gave the directive reviews its report")
    directive.status, directive.updated_at = target.value, now
    if accept:
        directive.done_at = now
        _event(session, directive, EventKind.DIRECTIVE_ACCEPTED, leader, now)
    else:
        directive.return_reason = _text(reason, "the reason")
        _event(session, directive, EventKind.DIRECTIVE_RETURNED, leader, now,
               reason=directive.return_reason)
    session.flush()


def get_directive(session: Session, officer: Officer, directive_id: int) -> Directive:
    """A directive whose feedback ``officer`` may see, or the directed institution's."""
    directive = session.get(Directive, directive_id)
    if directive is None or not (
            officer.institution_id == directive.institution_id
            or officer.id == directive.issued_by_id
            or in_scope(session, officer, directive.feedback)):
        raise UnknownFeedback("no such directive")
    return directive


def is_overdue(directive: Directive, now: datetime) -> bool:
    """Still waiting on the institution past its due date (the admin's red card)."""
    return directive.status in AWAITING_ACTION and directive.due_at < now


def overdue_clause(now: datetime) -> ColumnElement[bool]:
    """:func:`is_overdue` as SQL: the reminders and the leader's count share it."""
    return and_(Directive.status.in_(AWAITING_ACTION), Directive.due_at < now)


def for_feedback(session: Session, feedback: Feedback) -> list[Directive]:
    return list(session.scalars(select(Directive).where(Directive.feedback_id == feedback.id)
                                .order_by(Directive.id)))


def for_officer(session: Session, officer: Officer) -> tuple[list[Directive], list[Directive]]:
    """(directives this officer gave, open directives to their institution), due first."""
    given = session.scalars(select(Directive).where(Directive.issued_by_id == officer.id)
                            .order_by(Directive.status == DirectiveStatus.DONE.value,
                                      Directive.due_at, Directive.id).limit(200))
    received = session.scalars(select(Directive).where(
        Directive.institution_id == officer.institution_id, Directive.status.in_(OPEN))
        .order_by(Directive.due_at, Directive.id).limit(200))
    return list(given), list(received)


def open_directive_feedback_ids(session: Session, feedback_ids: list[int]) -> set[int]:
    """Which of ``feedback_ids`` carry an open directive (the inbox's flag)."""
    if not feedback_ids:
        return set()
    return set(session.scalars(select(Directive.feedback_id).where(
        Directive.feedback_id.in_(feedback_ids), Directive.status.in_(OPEN))))


def citizen_notice(session: Session, feedback: Feedback, locale: str) -> str | None:
    """What the citizen's tracking says of directives: that one was given, its text if shared."""
    latest = session.scalar(select(Directive).where(Directive.feedback_id == feedback.id)
                            .order_by(Directive.id.desc()).limit(1))
    if latest is None:
        return None
    t = translator(locale)
    if latest.shared:
        return t._("A leader directed: %(text)s", text=latest.text)
    return t._("A leader has given a directive on it.")


def send_directive_reminders(session: Session, now: datetime | None = None) -> int:
    """SMS each officer with a number at an institution with overdue directives, once a day.

    A directive's ``reminded_on`` (the Tanzanian day of the last reminder) makes a second
    run on the same day send nothing.
    """
    now = now or utcnow()
    today = local_day(now)
    due = list(session.scalars(select(Directive).where(
        overdue_clause(now), or_(Directive.reminded_on.is_(None), Directive.reminded_on < today))
        .order_by(Directive.institution_id, Directive.id)))
    by_institution: dict[int, list[Directive]] = {}
    for directive in due:
        by_institution.setdefault(directive.institution_id, []).append(directive)
    sent = 0
    for institution_id, directives in by_institution.items():
        refs = " ".join(d.feedback.reference for d in directives[:8])
        officers = session.scalars(select(Officer).where(
            Officer.institution_id == institution_id, Officer.active.is_(True),
            Officer.phone.is_not(None)).order_by(Officer.id))
        for officer in officers:
            assert officer.phone is not None
            t = translator(officer.language)
            text = t._("Mrejesho: %(count)s overdue directives from leaders. Refs: %(refs)s",
                       count=len(directives), refs=refs)
            if queue_sms(session, phone=officer.phone, text=text,
                         purpose="directive_reminder") is not None:
                sent += 1
        for directive in directives:
            directive.reminded_on = today
    session.flush()
    return sent

