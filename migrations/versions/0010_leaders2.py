"""leaders2: Sema na Kiongozi's mark, and the time of the first answer

Revision ID: 0010_leaders2
Revises: 0009_desk
Create Date: 2026-12-02

``to_leader`` marks feedback a citizen addressed to a leader's office (issue
16); a partial index keeps the inbox's "Sema na Kiongozi" filter cheap. The
first answer's working days and whether it was on time (core.answer_time) let
the leader's ranking read medians from a small histogram; rows answered before
this revision are filled in here set-based: one rewrite of the table on
PostgreSQL, one UPDATE on SQLite (seconds at 1M rows, where one UPDATE per row
took minutes).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from alembic import op

from core.answer_time import MAX_DAYS
from core.localtime import LOCAL
from core.sla import is_working_day

revision = "0010_leaders2"
down_revision = "0009_desk"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTERs, never a batch copy: on SQLite a copy would drop 0003's triggers.
    op.add_column("feedback", sa.Column("to_leader", sa.Boolean(), nullable=False,
                                        server_default=sa.false()))
    op.add_column("feedback", sa.Column("answer_days", sa.SmallInteger(), nullable=True))
    op.add_column("feedback", sa.Column("on_time", sa.Boolean(), nullable=True))
    op.create_index("ix_feedback_to_leader", "feedback", ["institution_id", "created_at"],
                    postgresql_where=sa.text("to_leader"), sqlite_where=sa.text("to_leader"))
    op.create_index("ix_feedback_first_answer", "feedback",
                    ["created_at", "institution_id", "kind", "answer_days", "on_time"],
                    postgresql_where=sa.text("answer_days IS NOT NULL"),
                    sqlite_where=sa.text("answer_days IS NOT NULL"))
    _fill()


def _fill() -> None:
    """Every answered row's working days and on-time mark, set-based, whatever the rows.

    Working days from one local day to another are a difference of a running count
    of working days (core.sla's weekends and Tanzanian holidays, as
    core.answer_time counts them), so Python builds that count once per calendar
    day of the data (a few thousand days) and the database does the rest, instead
    of one UPDATE per row (666k at 1M rows: minutes).
    """
    bind = op.get_bind()
    first, last = _span(bind)
    if first is None or last is None:
        return
    counts = _running_count(first, last)
    if bind.dialect.name == "postgresql":
        _rewrite(bind, first, counts)
        return
    calendar.create(bind)
    bind.execute(sa.insert(calendar), [{"day": first + timedelta(days=i - 1), "n": n}
                                       for i, n in enumerate(counts)])
    _update(bind)
    calendar.drop(bind)


feedback = sa.table("feedback", sa.column("created_at", sa.DateTime(timezone=True)),
                    sa.column("due_at", sa.DateTime(timezone=True)),
                    sa.column("answered_at", sa.DateTime(timezone=True)),
                    sa.column("answer_days", sa.SmallInteger()),
                    sa.column("on_time", sa.Boolean()))
calendar = sa.Table("leaders2_calendar", sa.MetaData(),
                    sa.Column("day", sa.Date(), primary_key=True),
                    sa.Column("n", sa.Integer(), nullable=False), prefixes=["TEMPORARY"])


def _span(bind: sa.Connection) -> tuple[date | None, date | None]:
    """The first and last local day an answered row was received or answered on."""
    row = bind.execute(sa.select(
        sa.func.min(feedback.c.created_at), sa.func.max(feedback.c.created_at),
        sa.func.min(feedback.c.answered_at), sa.func.max(feedback.c.answered_at))
        .where(feedback.c.answered_at.is_not(None))).one()
    days = [_aware(moment).astimezone(LOCAL).date() for moment in row if moment is not None]
    return (min(days), max(days)) if days else (None, None)


def _running_count(first: date, last: date) -> list[int]:
    """Working days up to each day, from the day before ``first`` (0) to ``last``."""
    counts, day = [0], first
    while day <= last:
        counts.append(counts[-1] + is_working_day(day))
        day += timedelta(days=1)
    return counts


def _rewrite(bind: sa.Connection, first: date, counts: list[int]) -> None:
    """PostgreSQL: both columns computed in one rewrite of the table (ALTER ... USING).

    An UPDATE of two rows in three writes a new version of each into all of the
    table's fifteen indexes; the rewrite writes the table once and rebuilds each
    index in bulk, under the lock the ADD COLUMNs above already took. The running
    count is an array constant in the statement (DDL takes no parameters; it holds
    only integers), so each row costs two subscripts, not a query.
    """
    array = "'{" + ",".join(map(str, counts)) + "}'::int[]"

    def count_on(column: str) -> str:  # the day before ``first`` is index 1
        return (f"({array})[(timezone('{LOCAL.key}', {column})::date "
                f"- DATE '{first.isoformat()}') + 2]")

    days = f"{count_on('answered_at')} - {count_on('created_at')}"
    bind.execute(sa.text(
        f"ALTER TABLE feedback ALTER COLUMN answer_days TYPE smallint "
        f"USING CASE WHEN answered_at IS NULL THEN NULL "
        f"ELSE least(greatest({days}, 0), {MAX_DAYS}) END, "
        "ALTER COLUMN on_time TYPE boolean USING CASE WHEN answered_at IS NULL THEN NULL "
        "ELSE due_at IS NULL OR answered_at <= due_at END"))


def _update(bind: sa.Connection) -> None:
    """SQLite (the embedded default, small): one UPDATE reading the running count."""
    days = _count_on(feedback.c.answered_at) - _count_on(feedback.c.created_at)
    bind.execute(sa.update(feedback).where(feedback.c.answered_at.is_not(None)).values(
        answer_days=sa.func.min(sa.func.max(days, 0), MAX_DAYS),
        on_time=sa.or_(feedback.c.due_at.is_(None),
                       feedback.c.answered_at <= feedback.c.due_at)))


def _count_on(moment: sa.ColumnClause[datetime]) -> sa.ScalarSelect[int]:
    """The running count on the local day of ``moment``: SQLite has no zones, so by the
    offset (Africa/Dar_es_Salaam keeps UTC+3 all year, with no summer time)."""
    offset = LOCAL.utcoffset(datetime(2026, 1, 1))
    hours = int(offset.total_seconds() // 3600) if offset is not None else 0
    local = sa.func.date(moment, f"{hours:+d} hours")
    return sa.select(calendar.c.n).where(calendar.c.day == local).scalar_subquery()


def _aware(moment: datetime) -> datetime:
    """SQLite hands the stored UTC times back naive."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def downgrade() -> None:
    op.drop_index("ix_feedback_first_answer", table_name="feedback")
    op.drop_index("ix_feedback_to_leader", table_name="feedback")
    for name in ("on_time", "answer_days", "to_leader"):
        op.execute(f"ALTER TABLE feedback DROP COLUMN {name}")
