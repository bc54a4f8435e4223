"""admin: reply templates, and the inbox's indexes

Revision ID: 0002_admin
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_admin"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reply_template",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["officer.id"]),
        sa.ForeignKeyConstraint(["institution_id"], ["institution.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("reply_template", schema=None) as batch_op:
        batch_op.create_index("ix_reply_template_institution_id", ["institution_id"], unique=False)
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.create_index("ix_feedback_inst_created", ["institution_id", "created_at", "id"],
                              unique=False)
        batch_op.create_index("ix_feedback_appeal", ["appeal_institution_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_index("ix_feedback_appeal")
        batch_op.drop_index("ix_feedback_inst_created")
    with op.batch_alter_table("reply_template", schema=None) as batch_op:
        batch_op.drop_index("ix_reply_template_institution_id")
    op.drop_table("reply_template")
