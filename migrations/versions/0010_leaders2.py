"""leaders2: Sema na Kiongozi's mark, and the time of the first answer

Revision ID: 0010_leaders2
Revises: 0009_desk
Create Date: 2026-12-02

``to_leader`` marks feedback a citizen addressed to a leader's office (issue
16); a partial index keeps the inbox's "Sema na Kiongozi" filter cheap. The
first answer's working days and whether it was on time (core.answer_time) let
the leader's ranking read medians from a small histogram; rows answered before
this revision are filled in here, in batches.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from core.answer_time import first_answer

revision = "0010_leaders2"
down_revision = "0009_desk"
branch_labels = None
depends_on = None

BATCH = 5000


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
    feedback = sa.table("feedback", sa.column("id", sa.Integer()),
                        sa.column("created_at", sa.DateTime(timezone=True)),
                        sa.column("due_at", sa.DateTime(timezone=True)),
                        sa.column("answered_at", sa.DateTime(timezone=True)),
                        sa.column("answer_days", sa.SmallInteger()),
                        sa.column("on_time", sa.Boolean()))
    bind, last = op.get_bind(), 0
    while True:
        rows = bind.execute(sa.select(feedback.c.id, feedback.c.created_at, feedback.c.due_at,
                                      feedback.c.answered_at)
                            .where(feedback.c.answered_at.is_not(None), feedback.c.id > last)
                            .order_by(feedback.c.id).limit(BATCH)).all()
        if not rows:
            return
        for row_id, created, due, answered in rows:
            days, on_time = first_answer(_aware(created), _aware(due) if due else None,
                                         _aware(answered))
            bind.execute(sa.update(feedback).where(feedback.c.id == row_id)
                         .values(answer_days=days, on_time=on_time))
        last = rows[-1][0]


def _aware(moment: datetime) -> datetime:
    """SQLite hands the stored UTC times back naive."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def downgrade() -> None:
    op.drop_index("ix_feedback_first_answer", table_name="feedback")
    op.drop_index("ix_feedback_to_leader", table_name="feedback")
    for name in ("on_time", "answer_days", "to_leader"):
        op.execute(f"ALTER TABLE feedback DROP COLUMN {name}")
