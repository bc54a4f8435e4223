"""open311: partners who file feedback through Open311, and the feedback's partner

Revision ID: 0005_open311
Revises: 0004_leaders
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_open311"
down_revision = "0004_leaders"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "partner",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
        sa.UniqueConstraint("key_hash"),
    )
    # Never a batch copy of feedback: on SQLite it would drop 0003's tally triggers.
    if op.get_bind().dialect.name == "sqlite":  # Alembic will not ALTER in a constraint
        op.execute("ALTER TABLE feedback ADD COLUMN partner_id INTEGER REFERENCES partner (id)")
    else:
        op.add_column("feedback", sa.Column(
            "partner_id", sa.Integer(),
            sa.ForeignKey("partner.id", name="fk_feedback_partner_id"), nullable=True))
    op.create_index("ix_feedback_partner", "feedback", ["partner_id", "created_at"],
                    unique=False)


def downgrade() -> None:
    op.drop_index("ix_feedback_partner", table_name="feedback")
    op.drop_column("feedback", "partner_id")  # plain DROP COLUMN: the triggers stay
    op.drop_table("partner")
