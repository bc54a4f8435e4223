"""faults: the submission's idempotency key, unique, on feedback

Revision ID: 0007_faults
Revises: 0006_reach
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_faults"
down_revision = "0006_reach"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: walk-in and SMS entries carry none, and a unique index admits many NULLs
    # on PostgreSQL and SQLite alike. Plain ALTERs, never a batch copy of the table, which
    # on SQLite would drop the tally's triggers.
    op.add_column("feedback", sa.Column("submission_key", sa.String(length=64), nullable=True))
    op.create_index("ux_feedback_submission_key", "feedback", ["submission_key"], unique=True)


def downgrade() -> None:
    op.drop_index("ux_feedback_submission_key", table_name="feedback")
    # Plain SQL on both (SQLite >= 3.35): a batch copy would lose the tally's triggers.
    op.execute("ALTER TABLE feedback DROP COLUMN submission_key")
