"""reach: a short name per language for every institution

Revision ID: 0004_reach
Revises: 0003_feedback_tally
Create Date: 2026-12-01

Lists, confirmations and SMS name an institution in the citizen's language
("Bahi DC", "TANROADS barabara" / "TANROADS roads"); the importer fills the
two columns from the CSV's ``short_sw`` and ``short_en``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_reach"
down_revision = "0003_feedback_tally"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("institution", schema=None) as batch_op:
        batch_op.add_column(sa.Column("short_sw", sa.String(length=60), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("short_en", sa.String(length=60), nullable=False,
                                      server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("institution", schema=None) as batch_op:
        batch_op.drop_column("short_en")
        batch_op.drop_column("short_sw")
