"""Topics: what people complain about (water, health, land, ...), so leaders can see it.

The list starts with DEFAULTS the first time it is read and is then the
administrators' to change: add a topic, rename one, retire one (kept on old
feedback, no longer offered). A feedback has at most one topic, set by an officer.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import InvalidInput, NotAllowed
from core.events import EventKind, record
from core.models import Feedback, Officer, Topic, utcnow
from core.scope import check_scope, scope_filter

DEFAULTS = (
    ("water", "Maji", "Water"), ("health", "Afya", "Health"), ("land", "Ardhi", "Land"),
    ("roads", "Barabara", "Roads"), ("electricity", "Umeme", "Electricity"),
    ("education", "Elimu", "Education"), ("police", "Polisi", "Police"),
    ("taxes", "Kodi", "Taxes"), ("other", "Mengineyo", "Other"),
)
CODE = re.compile(r"^[a-z][a-z0-9_-]{1,31}$")


def list_topics(session: Session, active_only: bool = True) -> list[Topic]:
    """The topics, the defaults written first if there are none yet."""
    if session.scalar(select(func.count()).select_from(Topic)) == 0:
        session.add_all(Topic(code=c, name_sw=sw, name_en=en) for c, sw, en in DEFAULTS)
        session.flush()
    stmt = select(Topic).order_by(Topic.id)
    if active_only:
        stmt = stmt.where(Topic.active.is_(True))
    return list(session.scalars(stmt))


def _check_admin(officer: Officer) -> None:
    if officer.role != "admin":
        raise NotAllowed("only an administrator changes the list of topics")


def save_topic(session: Session, officer: Officer, code: str, name_sw: str, name_en: str,
               active: bool = True) -> Topic:
    """Add a topic, or rename and (re)activate the one with ``code``."""
    _check_admin(officer)
    code = code.strip().lower()
    names = [" ".join(n.split()) for n in (name_sw, name_en)]
    if not CODE.match(code) or not all(0 < len(n) <= 80 for n in names):
        raise InvalidInput("a topic needs a short code (a-z) and both names")
    topic = session.scalar(select(Topic).where(Topic.code == code))
    if topic is None:
        topic = Topic(code=code)
        session.add(topic)
    topic.name_sw, topic.name_en, topic.active = names[0], names[1], active
    session.flush()
    return topic


def set_topic(session: Session, feedback: Feedback, officer: Officer, code: str | None,
              now: datetime | None = None) -> None:
    """Give ``feedback`` the active topic ``code`` (``None``/empty: no topic)."""
    check_scope(session, officer, feedback)
    list_topics(session)  # the defaults exist before the first one is chosen
    topic = None
    if code:
        topic = session.scalar(select(Topic).where(Topic.code == code, Topic.active.is_(True)))
        if topic is None:
            raise InvalidInput(f"no topic {code!r}")
    if feedback.topic_id == (topic.id if topic else None):
        return
    feedback.topic_id, feedback.topic = (topic.id if topic else None), topic
    record(session, feedback, EventKind.TOPIC_SET, officer, now,
           topic=topic.code if topic else None, name_sw=topic.name_sw if topic else None,
           name_en=topic.name_en if topic else None)
    session.flush()


def topic_counts(session: Session, officer: Officer, days: int = 90,
                 now: datetime | None = None) -> list[tuple[Topic, int]]:
    """Feedback per topic received in the last ``days`` days in scope, most first.

    Reads ``ix_feedback_topic`` (only rows that have a topic), not the whole table.
    """
    since = (now or utcnow()) - timedelta(days=days)
    rows = session.execute(select(Feedback.topic_id, func.count()).where(
        Feedback.topic_id.is_not(None), Feedback.created_at >= since,
        scope_filter(session, officer)).group_by(Feedback.topic_id)).all()
    topics = {t.id: t for t in list_topics(session, active_only=False)}
    return sorted(((topics[t], int(n)) for t, n in rows if t in topics), key=lambda r: -r[1])
