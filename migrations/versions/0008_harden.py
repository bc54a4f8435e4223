"""harden: the raw form of an inbound SMS, and officers' session versions

Revision ID: 0008_harden
Revises: 0007_faults
Create Date: 2026-12-01

``inbound_message.raw`` keeps what arrived when the cleaned fields are not all
of it (a NUL removed, a field cut, a callback we could not read), so an
inbound SMS is always stored and nothing of it is lost. ``officer.session_version``
is part of every login session: logout, a password change or disabling the
account bumps it, and every older session ends on the server side.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_harden"
down_revision = "0007_faults"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inbound_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("raw", sa.JSON(), nullable=True))
    with op.batch_alter_table("officer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_version", sa.Integer(), nullable=False,
                                      server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("officer", schema=None) as batch_op:
        batch_op.drop_column("session_version")
    with op.batch_alter_table("inbound_message", schema=None) as batch_op:
        batch_op.drop_column("raw")
