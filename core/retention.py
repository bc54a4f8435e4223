"""Retention: forget who sent a feedback once it has been closed for long enough.

A closed feedback still counts in every statistic (kind, channel, institution,
status, dates, rating stay), but the submitter's number and name are needed
only to answer and to hear an appeal. After ``days`` they are erased from the
feedback and replaced by a masked form on every SMS row that ties the number
to it (whose ``phone`` column may not be empty; see :func:`_mask_messages`), and
each feedback gets a ``personal_data_purged`` Event naming the batch, so the
history shows when and why the number went. An anonymous submitter's
subscriber row goes too once no feedback holds the number any more (see
:func:`_forget_subscribers`): kept, it would say that this number used the
service, and when.

Work goes in batches, one transaction each, so a purge of a million rows never
holds a long lock and a crash loses at most one batch, which the next run redoes.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.orm import Session

from core.events import EventKind, record
from core.models import Feedback, InboundMessage, OutboundMessage, Subscriber, utcnow
from core.phones import mask_phone
from core.policies import RETENTION_DAYS
from core.status import Status

log = logging.getLogger(__name__)

TERMINAL = (Status.CLOSED.value, Status.REJECTED.value)
BATCH_SIZE = 500


def purge_batch(session: Session, days: int, now: datetime | None = None,
                batch_size: int = BATCH_SIZE) -> int:
    """Purge up to ``batch_size`` feedback closed more than ``days`` ago; returns how many.

    Flushes, never commits: the caller owns the transaction (see :func:`purge_expired`).
    """
    now = now or utcnow()
    cutoff = now - timedelta(days=days)
    rows = session.execute(
        select(Feedback.id, Feedback.submitter_phone, Feedback.reference,
               Feedback.answered_at, Feedback.closed_at).where(
            Feedback.status.in_(TERMINAL), Feedback.closed_at < cutoff,
            or_(Feedback.submitter_phone.is_not(None), Feedback.submitter_name.is_not(None)))
        .order_by(Feedback.id).limit(batch_size)).all()
    if not rows:
        return 0
    batch = uuid.uuid4().hex[:12]
    ids = [row.id for row in rows]
    anonymous = {phone for phone in session.scalars(select(Feedback.submitter_phone).where(
        Feedback.id.in_(ids), Feedback.anonymous.is_(True))) if phone}
    session.execute(update(Feedback).where(Feedback.id.in_(ids))
                    .values(submitter_phone=None, submitter_name=None)
                    .execution_options(synchronize_session=False))
    for fid, phone, reference, answered_at, closed_at in rows:
        if phone:
            _mask_messages(session, fid, phone, reference, answered_at, closed_at)
        record(session, fid, EventKind.PERSONAL_DATA_PURGED, None, now, batch=batch,
               retention_days=days)
    session.flush()
    _forget_subscribers(session, anonymous)
    session.expire_all()
    log.info("retention: batch %s purged the submitter of %d feedback", batch, len(ids))
    return len(ids)


def _mask_messages(session: Session, fid: int, phone: str, reference: str,
                   answered_at: datetime | None, closed_at: datetime | None) -> None:
    """Mask the number on every SMS row that ties it to this feedback.

    Linked rows (``feedback_id``), and the number's rows that name the reference
    without a link: "HALI <ref>", "Asante kwa kutathmini kumb. <ref>". An old bare
    rating ("4") names nothing; one sent between the answer and the close is
    taken to be about it. An inbound row's raw form (which holds the number) goes.
    """
    masked = mask_phone(phone)
    names_it = and_(OutboundMessage.phone == phone,
                    OutboundMessage.text.like(f"%{reference}%"))
    session.execute(update(OutboundMessage)
                    .where(or_(OutboundMessage.feedback_id == fid, names_it))
                    .values(phone=masked).execution_options(synchronize_session=False))
    ties = [InboundMessage.feedback_id == fid,
            and_(InboundMessage.phone == phone, InboundMessage.text.like(f"%{reference}%"))]
    if answered_at is not None and closed_at is not None:
        ties.append(and_(InboundMessage.phone == phone, InboundMessage.command == "rate",
                         InboundMessage.feedback_id.is_(None),
                         InboundMessage.received_at.between(answered_at, closed_at)))
    session.execute(update(InboundMessage).where(or_(*ties))
                    .values(phone=masked, raw=None)
                    .execution_options(synchronize_session=False))


def _forget_subscribers(session: Session, phones: set[str]) -> None:
    """Delete the subscriber rows of these anonymous submitters' numbers, if nothing needs them.

    A row stays while any feedback still holds the number (one still open, or
    closed too recently, anonymous or not: its SMS go by the row's language),
    and when the number has opted out: the row is what keeps a STOP honoured.
    """
    if not phones:
        return
    still_held = select(Feedback.submitter_phone).where(
        Feedback.submitter_phone.in_(phones)).distinct()
    session.execute(delete(Subscriber).where(
        Subscriber.phone.in_(phones), Subscriber.opted_out.is_(False),
        Subscriber.phone.not_in(still_held)).execution_options(synchronize_session=False))


def purge_expired(sessions: Callable[[], Session], days: int | None = RETENTION_DAYS,
                  now: datetime | None = None, batch_size: int = BATCH_SIZE) -> int:
    """Purge every expired feedback, committing batch by batch; ``days=None`` is off."""
    if days is None:
        return 0
    if days < 0:
        raise ValueError("retention days must be 0 or more")
    total = 0
    while True:
        with sessions() as session:
            purged = purge_batch(session, days, now, batch_size)
            session.commit()
        total += purged
        if purged < batch_size:
            return total
