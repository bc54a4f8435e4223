"""The officer's daily digest: new, held and overdue work, in their language, once a day.

Core only composes and records: the SMS goes through :func:`core.notify.queue_sms`
(sent after commit) and ``Officer.digest_sent_on`` marks the local day, so a
second run that day (a retry, a second scheduler) sends nothing. The e-mail copy
is the composition root's (web.schedule), which knows whether SMTP is configured.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.i18n import translator
from core.localtime import LOCAL
from core.models import Feedback, Officer, utcnow
from core.notify import queue_sms
from core.queue import CAP, capped_count, nav_counts
from core.scope import visible_institution_ids


@dataclass(frozen=True)
class Digest:
    officer_id: int
    email: str
    new: int
    mine: int
    overdue: int
    text: str


def _n(count: int) -> str:
    return f"{CAP}+" if count > CAP else str(count)


def digest_for(session: Session, officer: Officer, now: datetime | None = None) -> Digest | None:
    """What ``officer`` should hear today, or None when there is nothing to tell."""
    now = now or utcnow()
    counts = nav_counts(session, officer, now)
    new = capped_count(session, visible_institution_ids(session, officer),
                       Feedback.created_at >= now - timedelta(days=1))
    if not (new or counts.mine or counts.overdue):
        return None
    t = translator(officer.language)
    text = t._("Mrejesho %(day)s, %(inst)s: %(new)s new, %(mine)s held by you, "
               "%(overdue)s overdue.", day=_day(now), inst=officer.institution.short_name(
                   t.locale), new=_n(new), mine=_n(counts.mine), overdue=_n(counts.overdue))
    return Digest(officer.id, officer.email, new, counts.mine, counts.overdue, text)


def _day(now: datetime) -> str:
    return now.astimezone(LOCAL).strftime("%d/%m")


def send_digests(session: Session, now: datetime | None = None) -> list[Digest]:
    """Each active officer who has not opted out gets today's digest by SMS, at most once."""
    now = now or utcnow()
    today = now.astimezone(LOCAL).date()
    sent: list[Digest] = []
    for officer in session.scalars(select(Officer).where(
            Officer.active.is_(True), Officer.digest_opt_out.is_(False)).order_by(Officer.id)):
        if officer.digest_sent_on == today:
            continue
        digest = digest_for(session, officer, now)
        if digest is None:
            continue
        if officer.phone:
            queue_sms(session, phone=officer.phone, text=digest.text, purpose="digest")
        officer.digest_sent_on = today
        sent.append(digest)
    session.flush()
    return sent
