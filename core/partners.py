"""Partners: apps and web forms that file feedback through Open311 with an api_key.

A key is 32 random bytes (``secrets.token_urlsafe``) shown once, when it is
issued; only its SHA-256 is stored, so the table gives no working key away. A
256-bit random token cannot be guessed, so a fast hash is enough (a password
needs a slow one because people choose guessable ones). Revoking keeps the
partner and its feedback; the key stops working at once.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import InvalidInput, NotAllowed, NotFound
from core.models import Feedback, Officer, Partner, utcnow
from core.scope import scope_clause, visible_institution_ids
from core.services import Submission, submit_feedback
from core.status import Channel

KEY_BYTES = 32
MAX_NAME = 120


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def create_partner(session: Session, name: str,
                   now: datetime | None = None) -> tuple[Partner, str]:
    """A new partner and its api_key, which is never stored and cannot be shown again."""
    cleaned = " ".join(name.split())
    if not cleaned or len(cleaned) > MAX_NAME:
        raise InvalidInput(f"a partner's name has 1 to {MAX_NAME} characters")
    if session.scalar(select(Partner.id).where(Partner.name == cleaned)) is not None:
        raise InvalidInput(f"a partner named {cleaned!r} exists")
    key = secrets.token_urlsafe(KEY_BYTES)
    partner = Partner(name=cleaned, key_hash=key_hash(key), created_at=now or utcnow())
    session.add(partner)
    session.flush()
    return partner, key


def get_partner(session: Session, name: str) -> Partner:
    partner = session.scalar(select(Partner).where(Partner.name == " ".join(name.split())))
    if partner is None:
        raise NotFound(f"no partner named {name!r}")
    return partner


def revoke_partner(session: Session, name: str, now: datetime | None = None) -> Partner:
    """Stop the partner's key from working; revoking twice changes nothing more."""
    partner = get_partner(session, name)
    partner.revoked_at = partner.revoked_at or now or utcnow()
    session.flush()
    return partner


def list_partners(session: Session) -> list[Partner]:
    return list(session.scalars(select(Partner).order_by(Partner.name)))


def partner_for_key(session: Session, key: str) -> Partner | None:
    """The partner whose live key this is, else None (unknown, revoked or malformed)."""
    if not key or len(key) > 200:
        return None
    return session.scalar(select(Partner).where(
        Partner.key_hash == key_hash(key), Partner.revoked_at.is_(None)))


def submit_for_partner(session: Session, partner: Partner, sub: Submission,
                       now: datetime | None = None) -> Feedback:
    """The core submission under the partner's channel: same limits, same privacy, same SMS."""
    if partner.revoked_at is not None:
        raise NotAllowed("this partner's key was revoked")
    return submit_feedback(session, Submission(
        kind=sub.kind, channel=Channel.PARTNER.value, institution_code=sub.institution_code,
        description=sub.description, phone=sub.phone, name=sub.name, anonymous=sub.anonymous,
        language=sub.language, partner_id=partner.id), now)


def submissions_by_partner(session: Session, officer: Officer, days: int = 90,
                           now: datetime | None = None) -> list[tuple[str, int]]:
    """Feedback each partner filed in the last ``days`` days, in the officer's scope.

    Partner rows are few among a million, and ``ix_feedback_partner`` reaches
    only them: the dashboard pays for the partners' feedback, not for all of it.
    """
    since = (now or utcnow()) - timedelta(days=days)
    rows = session.execute(
        select(Partner.name, func.count(Feedback.id))
        .join(Feedback, Feedback.partner_id == Partner.id)
        .where(Feedback.partner_id.is_not(None), Feedback.created_at >= since,
               scope_clause(visible_institution_ids(session, officer)))
        .group_by(Partner.name).order_by(func.count(Feedback.id).desc(), Partner.name))
    return [(name, int(n)) for name, n in rows]
