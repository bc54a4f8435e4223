"""desk: assignment, notes, topics, duplicates, the daily digest, the open queue's indexes

Revision ID: 0009_desk
Revises: 0008_harden
Create Date: 2026-12-01

The inbox opens on open work, oldest due first: two partial indexes over the
open rows only (a third of an aged table) serve that order for one institution
and for everyone, and the navigation's counts. ``ix_feedback_assigned`` serves
"my items" and a head's "who holds what".
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_desk"
down_revision = "0008_harden"
branch_labels = None
depends_on = None

OPEN_SQL = "status IN ('appealed', 'in_progress', 'received')"


def upgrade() -> None:
    # Plain ALTERs, never a batch copy: on SQLite a copy would drop 0003's triggers.
    if op.get_bind().dialect.name == "sqlite":  # Alembic will not ALTER in a constraint
        op.execute("ALTER TABLE feedback ADD COLUMN assigned_to_id INTEGER REFERENCES officer (id)")
    else:
        op.add_column("feedback", sa.Column("assigned_to_id", sa.Integer(),
                                            sa.ForeignKey("officer.id"), nullable=True))
    op.add_column("feedback", sa.Column("assigned_at", sa.DateTime(timezone=True),
                                        nullable=True))
    op.create_index("ix_feedback_assigned", "feedback", ["assigned_to_id", "status"])
    op.create_index("ix_feedback_open_due", "feedback", ["due_at", "id"],
                    postgresql_where=sa.text(OPEN_SQL), sqlite_where=sa.text(OPEN_SQL))
    op.create_index("ix_feedback_open_inst_due", "feedback", ["institution_id", "due_at", "id"],
                    postgresql_where=sa.text(OPEN_SQL), sqlite_where=sa.text(OPEN_SQL))
    op.create_table(
        "topic",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name_sw", sa.String(length=80), nullable=False),
        sa.Column("name_en", sa.String(length=80), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    for name, target in (("topic_id", "topic.id"), ("duplicate_of_id", "feedback.id")):
        if op.get_bind().dialect.name == "sqlite":
            table, column = target.split(".")
            op.execute(f"ALTER TABLE feedback ADD COLUMN {name} INTEGER "
                       f"REFERENCES {table} ({column})")
        else:
            op.add_column("feedback", sa.Column(name, sa.Integer(), sa.ForeignKey(target),
                                                nullable=True))
    op.create_index("ix_feedback_topic", "feedback", ["topic_id", "created_at"],
                    postgresql_where=sa.text("topic_id IS NOT NULL"),
                    sqlite_where=sa.text("topic_id IS NOT NULL"))
    op.create_index("ix_feedback_duplicate_of", "feedback", ["duplicate_of_id"])
    op.add_column("officer", sa.Column("digest_opt_out", sa.Boolean(), nullable=False,
                                       server_default=sa.false()))
    op.add_column("officer", sa.Column("digest_sent_on", sa.Date(), nullable=True))
    op.create_table(
        "feedback_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("feedback_id", sa.Integer(), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["feedback_id"], ["feedback.id"]),
        sa.ForeignKeyConstraint(["institution_id"], ["institution.id"]),
        sa.ForeignKeyConstraint(["officer_id"], ["officer.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("feedback_note", schema=None) as batch_op:
        batch_op.create_index("ix_feedback_note_feedback_id", ["feedback_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("feedback_note", schema=None) as batch_op:
        batch_op.drop_index("ix_feedback_note_feedback_id")
    op.drop_table("feedback_note")
    for name in ("ix_feedback_open_inst_due", "ix_feedback_open_due", "ix_feedback_assigned",
                 "ix_feedback_topic", "ix_feedback_duplicate_of"):
        op.drop_index(name, table_name="feedback")
    op.drop_column("officer", "digest_sent_on")
    op.drop_column("officer", "digest_opt_out")
    # Plain DROP COLUMN (SQLite >= 3.35 too), never a batch copy that loses 0003's triggers.
    for column in ("duplicate_of_id", "topic_id", "assigned_at", "assigned_to_id"):
        op.drop_column("feedback", column)
    op.drop_table("topic")
