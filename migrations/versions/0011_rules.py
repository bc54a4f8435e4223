"""rules: drop the officer's unused lockout columns

Revision ID: 0011_rules
Revises: 0010_leaders2
Create Date: 2026-12-02

Wrong login guesses are slowed by core.login_throttle, counted in Redis, and
never lock an account (a lockout let anyone keep an officer out).
``failed_logins`` and ``locked_until`` were written by the password reset and
read by nothing: they go. Plain DROP COLUMNs (SQLite has had them since 3.35),
never a batch copy: ``officer`` is referenced by feedback, events and notes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_rules"
down_revision = "0010_leaders2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_column("officer", "locked_until")
    op.drop_column("officer", "failed_logins")


def downgrade() -> None:
    op.add_column("officer", sa.Column("failed_logins", sa.Integer(), nullable=False,
                                       server_default="0"))
    op.add_column("officer", sa.Column("locked_until", sa.DateTime(timezone=True),
                                       nullable=True))
