"""leaders: directives (maagizo) issued by leaders to institutions, and kept reports

Revision ID: 0004_leaders
Revises: 0003_feedback_tally
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_leaders"
down_revision = "0003_feedback_tally"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("institution", schema=None) as batch_op:
        batch_op.add_column(sa.Column("district_id", sa.Integer(), nullable=True))
        batch_op.create_index("ix_institution_district_id", ["district_id"], unique=False)
        batch_op.create_foreign_key("fk_institution_district_id", "institution",
                                    ["district_id"], ["id"])
    op.create_table(
        "directive",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("feedback_id", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("report", sa.Text(), nullable=True),
        sa.Column("reported_by_id", sa.Integer(), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("return_reason", sa.Text(), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["feedback_id"], ["feedback.id"]),
        sa.ForeignKeyConstraint(["institution_id"], ["institution.id"]),
        sa.ForeignKeyConstraint(["issued_by_id"], ["officer.id"]),
        sa.ForeignKeyConstraint(["reported_by_id"], ["officer.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("directive", schema=None) as batch_op:
        batch_op.create_index("ix_directive_feedback_id", ["feedback_id"], unique=False)
        batch_op.create_index("ix_directive_institution_status",
                              ["institution_id", "status", "due_at"], unique=False)
        batch_op.create_index("ix_directive_issued_by", ["issued_by_id", "status"], unique=False)
    op.create_table(
        "report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=False),
        sa.Column("generated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("scope_id", "period", "start"),
    )


def downgrade() -> None:
    with op.batch_alter_table("institution", schema=None) as batch_op:
        batch_op.drop_constraint("fk_institution_district_id", type_="foreignkey")
        batch_op.drop_index("ix_institution_district_id")
        batch_op.drop_column("district_id")
    op.drop_table("report")
    with op.batch_alter_table("directive", schema=None) as batch_op:
        batch_op.drop_index("ix_directive_issued_by")
        batch_op.drop_index("ix_directive_institution_status")
        batch_op.drop_index("ix_directive_feedback_id")
    op.drop_table("directive")
