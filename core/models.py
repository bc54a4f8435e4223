"""The tables, as typed SQLAlchemy 2.0 models.

Events are append-only: a listener refuses any UPDATE or DELETE of an Event,
so the history a citizen and a leader read is the history that happened.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from core.errors import NotAllowed
from core.status import OPEN_VALUES, MessageStatus, Status

# The open statuses as SQL, for the desk's partial indexes: the same text the
# migrations wrote ("status IN ('appealed', 'in_progress', 'received')").
OPEN_SQL = "status IN ({})".format(", ".join(f"'{v}'" for v in OPEN_VALUES))


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    pass


def table_of(model: type[Base]) -> Table:
    """The mapped class's table, for a Core statement that skips the ORM's insert machinery
    (``model.__table__`` is typed as any FromClause, which ``insert()`` refuses)."""
    return model.metadata.tables[model.__tablename__]


class Institution(Base):
    __tablename__ = "institution"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    name_sw: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    short_names: Mapped[str] = mapped_column(String(400), default="")
    # The name a list, a confirmation and an SMS show, per language (issue 21).
    short_sw: Mapped[str] = mapped_column(String(60), default="", server_default="")
    short_en: Mapped[str] = mapped_column(String(60), default="", server_default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("institution.id"), index=True)
    region_code: Mapped[str | None] = mapped_column(String(40), index=True)
    # A council's district commissioner's office (core.districts); appeals still go to parent.
    district_id: Mapped[int | None] = mapped_column(ForeignKey("institution.id"), index=True)

    parent: Mapped[Institution | None] = relationship(remote_side=[id], foreign_keys=[parent_id])

    @property
    def aliases(self) -> list[str]:
        return [s for s in self.short_names.split("|") if s]

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_sw

    def short_name(self, locale: str) -> str:
        """The name a citizen reads in ``locale``: its short name, else an alias or the name.

        A directory without per-language short names (an older CSV) falls back to
        the first alias, which is usually an acronym and reads alike in both.
        """
        own = self.short_en if locale == "en" else self.short_sw
        if own:
            return own
        aliases = self.aliases
        return aliases[0] if aliases else self.name(locale)


class Subscriber(Base):
    __tablename__ = "subscriber"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), unique=True)
    language: Mapped[str] = mapped_column(String(2), default="sw")
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Officer(Base):
    __tablename__ = "officer"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(2), default="sw")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped by logout, a password change or disabling: every older session ends.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The daily digest (core.digest): opted out, and the local day it last went.
    digest_opt_out: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    digest_sent_on: Mapped[date | None] = mapped_column(Date)

    institution: Mapped[Institution] = relationship()


class Feedback(Base):
    __tablename__ = "feedback"
    __table_args__ = (
        Index("ix_feedback_inst_status_created", "institution_id", "status", "created_at", "id"),
        Index("ix_feedback_created", "created_at", "id"),
        Index("ix_feedback_status_due", "status", "due_at"),
        Index("ix_feedback_phone", "submitter_phone"),
        # The admin's inbox (core.queries): an institution's newest first, and appeals.
        Index("ix_feedback_inst_created", "institution_id", "created_at", "id"),
        Index("ix_feedback_appeal", "appeal_institution_id"),
        Index("ix_feedback_partner", "partner_id", "created_at"),  # the dashboard's partners
        # A replayed, retried or redialled submission finds its first record (0007_faults).
        Index("ux_feedback_submission_key", "submission_key", unique=True),
        # The desk (migration 0009_desk): open work oldest due first, and who holds what.
        Index("ix_feedback_open_due", "due_at", "id", postgresql_where=text(OPEN_SQL),
              sqlite_where=text(OPEN_SQL)),
        Index("ix_feedback_open_inst_due", "institution_id", "due_at", "id",
              postgresql_where=text(OPEN_SQL), sqlite_where=text(OPEN_SQL)),
        Index("ix_feedback_assigned", "assigned_to_id", "status"),
        Index("ix_feedback_topic", "topic_id", "created_at",
              postgresql_where=text("topic_id IS NOT NULL"),
              sqlite_where=text("topic_id IS NOT NULL")),
        Index("ix_feedback_duplicate_of", "duplicate_of_id"),
        Index("ix_feedback_to_leader", "institution_id", "created_at",
              postgresql_where=text("to_leader"), sqlite_where=text("to_leader")),
        Index("ix_feedback_first_answer", "created_at", "institution_id", "kind", "answer_days",
              "on_time", postgresql_where=text("answer_days IS NOT NULL"),
              sqlite_where=text("answer_days IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(10), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16))
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"))
    description: Mapped[str] = mapped_column(Text)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    # Kept for an anonymous submitter too, but only to send the citizen's own SMS.
    submitter_phone: Mapped[str | None] = mapped_column(String(20))
    submitter_name: Mapped[str | None] = mapped_column(String(120))
    language: Mapped[str] = mapped_column(String(2), default="sw")
    status: Mapped[str] = mapped_column(String(16), default=Status.RECEIVED.value)
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))
    first_answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))
    appeal_institution_id: Mapped[int | None] = mapped_column(ForeignKey("institution.id"))
    appeal_reason: Mapped[str | None] = mapped_column(Text)
    rating: Mapped[int | None] = mapped_column(Integer)
    reject_reason: Mapped[str | None] = mapped_column(Text)
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    # The partner whose app filed it through Open311 (channel "partner"), else None.
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partner.id"))
    # The channel's idempotency key (a USSD draft's), unique: see core.services.submit_feedback.
    submission_key: Mapped[str | None] = mapped_column(String(64))
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topic.id"))
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("feedback.id"))
    # Sema na Kiongozi (core.kiongozi, migration 0010_leaders2): addressed to a leader's office.
    to_leader: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The first answer (core.answer_time): working days it took, and whether it was on time.
    answer_days: Mapped[int | None] = mapped_column(SmallInteger)
    on_time: Mapped[bool | None] = mapped_column(Boolean)

    institution: Mapped[Institution] = relationship(foreign_keys=[institution_id])
    assigned_to: Mapped[Officer | None] = relationship(foreign_keys=[assigned_to_id])
    topic: Mapped[Topic | None] = relationship()
    appeal_institution: Mapped[Institution | None] = relationship(
        foreign_keys=[appeal_institution_id])
    events: Mapped[list[Event]] = relationship(
        back_populates="feedback", order_by="Event.id", lazy="selectin")
    partner: Mapped[Partner | None] = relationship()

    def submitter_label(self) -> str:
        """What an officer may see of the submitter: never anything of an anonymous one."""
        if self.anonymous:
            return "anonymous"
        return self.submitter_name or self.submitter_phone or "-"


class Partner(Base):
    """An app or web form that files feedback through Open311 with its own api_key.

    Only the key's SHA-256 is kept (a 256-bit random token needs no slow hash):
    a stolen database gives no working key. A revoked partner's key stops working;
    its feedback stays, under its name.
    """

    __tablename__ = "partner"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Event(Base):
    __tablename__ = "event"

    id: Mapped[int] = mapped_column(primary_key=True)
    feedback_id: Mapped[int] = mapped_column(ForeignKey("feedback.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))
    actor: Mapped[str] = mapped_column(String(200), default="system")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    feedback: Mapped[Feedback] = relationship(back_populates="events")


class InboundMessage(Base):
    __tablename__ = "inbound_message"
    __table_args__ = (UniqueConstraint("provider", "provider_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(32))
    provider_id: Mapped[str] = mapped_column(String(128))
    phone: Mapped[str] = mapped_column(String(40), index=True)
    to: Mapped[str] = mapped_column(String(40), default="")
    text: Mapped[str] = mapped_column(Text)
    network_code: Mapped[str | None] = mapped_column(String(16))
    link_id: Mapped[str | None] = mapped_column(String(128))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    command: Mapped[str | None] = mapped_column(String(32))
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    feedback_id: Mapped[int | None] = mapped_column(ForeignKey("feedback.id"))
    # What arrived, when the cleaned fields above are not all of it (sms.views).
    raw: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class OutboundMessage(Base):
    __tablename__ = "outbound_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)
    text: Mapped[str] = mapped_column(Text)
    purpose: Mapped[str] = mapped_column(String(32))
    feedback_id: Mapped[int | None] = mapped_column(ForeignKey("feedback.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=MessageStatus.QUEUED.value)
    provider_id: Mapped[str | None] = mapped_column(String(128), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


@event.listens_for(Event, "before_update")
@event.listens_for(Event, "before_delete")
def _events_are_append_only(mapper: Any, connection: Any, target: Event) -> None:
    raise NotAllowed("events are append-only")


class ReplyTemplate(Base):
    """A saved answer an institution's officers pick from (the admin's answer form)."""

    __tablename__ = "reply_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FeedbackTally(Base):
    """Signed counts of feedback, appended by triggers (migration 0003), read by the dashboard.

    Never written by the application except by ``core.tally.squash``, which folds
    the rows of a key into one. See the migration for the three facets.
    """

    __tablename__ = "feedback_tally"
    __table_args__ = (
        Index("ix_feedback_tally_facet_day", "facet", "day", "institution_id"),
        Index("ix_feedback_tally_facet_inst_day", "facet", "institution_id", "day"),
        Index("ix_feedback_tally_facet_appeal_day", "facet", "appeal_institution_id", "day"),
        Index("ix_feedback_tally_unsquashed", "id", postgresql_where=text("NOT squashed"),
              sqlite_where=text("NOT squashed")),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"),
                                    primary_key=True)
    facet: Mapped[str] = mapped_column(String(8))
    institution_id: Mapped[int] = mapped_column(Integer)
    appeal_institution_id: Mapped[int] = mapped_column(Integer)  # 0: none
    escalated: Mapped[bool] = mapped_column(Boolean)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    day: Mapped[date] = mapped_column(Date)
    n: Mapped[int] = mapped_column(Integer)
    rating_sum: Mapped[int] = mapped_column(Integer)
    rating_n: Mapped[int] = mapped_column(Integer)
    answer_seconds: Mapped[float] = mapped_column(Float)
    answered_n: Mapped[int] = mapped_column(Integer)
    close_seconds: Mapped[float] = mapped_column(Float)
    closed_n: Mapped[int] = mapped_column(Integer)
    squashed: Mapped[bool] = mapped_column(Boolean, server_default=false())


class Directive(Base):
    """A leader's directive on a feedback to an institution (core.directives)."""

    __tablename__ = "directive"
    __table_args__ = (
        Index("ix_directive_institution_status", "institution_id", "status", "due_at"),
        Index("ix_directive_issued_by", "issued_by_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    feedback_id: Mapped[int] = mapped_column(ForeignKey("feedback.id"), index=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"))
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("officer.id"))
    text: Mapped[str] = mapped_column(Text)
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    report: Mapped[str | None] = mapped_column(Text)
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    return_reason: Mapped[str | None] = mapped_column(Text)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_on: Mapped[date | None] = mapped_column(Date)

    feedback: Mapped[Feedback] = relationship()
    institution: Mapped[Institution] = relationship()
    issued_by: Mapped[Officer] = relationship(foreign_keys=[issued_by_id])
    reported_by: Mapped[Officer | None] = relationship(foreign_keys=[reported_by_id])


class Report(Base):
    """A kept monthly or quarterly report of a scope (core.reports): figures only, as JSON."""

    __tablename__ = "report"
    __table_args__ = (UniqueConstraint("scope_id", "period", "start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope_id: Mapped[int] = mapped_column(Integer)  # an institution's id; 0: the whole country
    period: Mapped[str] = mapped_column(String(8))
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date] = mapped_column(Date)
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class FeedbackNote(Base):
    """An officer's internal note on a feedback: never shown to the citizen or exported.

    Its own table, not an Event, so nothing that reads the history for the public
    (Open311, the citizen's track, exports) can carry it by accident.
    """

    __tablename__ = "feedback_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    feedback_id: Mapped[int] = mapped_column(ForeignKey("feedback.id"), index=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officer.id"))
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    officer: Mapped[Officer] = relationship()


class Topic(Base):
    """What a feedback is about (water, health, ...): a list an administrator can change."""

    __tablename__ = "topic"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_sw: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_sw
