"""submissions since: a number's citizen submissions counted after its lock, in one statement

Revision ID: 0013_submissions_since
Revises: 0012_cluster
Create Date: 2026-12-04

A citizen's submission on PostgreSQL locks the number's subscriber row and counts its
submissions in each rate window (``core.whole_insert``). In READ COMMITTED a statement
reads with the snapshot it started with, so a count in the statement that takes the
lock would miss a submission committed while it waited: the lock was a statement of its
own, a round trip before the count. A VOLATILE function takes a fresh snapshot for each
query it runs; called on the locked row, its count sees every submission committed
before the lock was granted, and the lock, the count and the inserts are one statement.
PL/pgSQL, not SQL: a one-query SQL function may be inlined into the caller, and its
query would then read with the caller's snapshot.
"""

from __future__ import annotations

from alembic import op

revision = "0013_submissions_since"
down_revision = "0012_cluster"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite locks the whole database for a write: its count is a statement apart
    op.execute("""
CREATE OR REPLACE FUNCTION submissions_since(phone_number varchar, since timestamptz, channels varchar[])
RETURNS bigint VOLATILE LANGUAGE plpgsql AS $$
BEGIN
  RETURN (SELECT count(*) FROM feedback
          WHERE submitter_phone = phone_number AND created_at > since AND channel = ANY (channels));
END
$$""")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS submissions_since(varchar, timestamptz, varchar[])")
