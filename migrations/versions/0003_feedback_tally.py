"""feedback_tally: the dashboard's counts, kept by triggers on feedback

Revision ID: 0003_feedback_tally
Revises: 0002_admin
Create Date: 2026-12-01

Every insert, update and delete of a feedback row appends signed rows to
``feedback_tally`` (-1 for the old row, +1 for the new), in the same
transaction, from a trigger, so no write path (a service, a bulk UPDATE, a COPY)
can forget it. Appending never locks a shared counter row, so concurrent
submissions never queue on one another. ``core.tally.squash`` folds the
appended rows into one per key every minute. The dashboard sums the table: a
few thousand rows where it used to scan a million (RapidPro keeps its counts
the same way).

Three facets share the table:

- ``status``: (institution, appeal institution, escalated, status) -> n
- ``due``: the same keys with the UTC day an open row falls due -> n
- ``day``: (institution, appeal institution, escalated, kind, UTC day created) ->
  n, rating sum/count, seconds to first answer/count, seconds to close/count
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_feedback_tally"
down_revision = "0002_admin"
branch_labels = None
depends_on = None

OPEN = "('received', 'in_progress', 'appealed')"
WATCHED = ("institution_id", "appeal_institution_id", "escalated", "kind", "status",
           "created_at", "due_at", "answered_at", "closed_at", "rating")
COLUMNS = ("facet, institution_id, appeal_institution_id, escalated, kind, status, day, "
           "n, rating_sum, rating_n, answer_seconds, answered_n, close_seconds, closed_n")


# dialect: (the UTC day of a timestamp, seconds from {1} to {0}, a condition as 0/1, no day)
SQL = {
    "postgresql": ("({} AT TIME ZONE 'UTC')::date", "extract(epoch FROM {} - {})", "({})::int",
                   "DATE '1970-01-01'"),
    "sqlite": ("date({})", "(julianday({}) - julianday({})) * 86400.0", "({})", "'1970-01-01'"),
}


def _rows(r: str, s: str, dialect: str) -> list[tuple[list[str], list[str], str]]:
    """(keys, values, condition) of each tally row of feedback row ``r`` with sign ``s``."""
    day, seconds, flag, no_day = SQL[dialect]
    keys = [f"{r}.institution_id", f"coalesce({r}.appeal_institution_id, 0)", f"{r}.escalated"]
    count = [s] + ["0"] * 6
    closed = f"{r}.status = 'closed' AND {r}.closed_at IS NOT NULL"
    to_answer = seconds.format(f"{r}.answered_at", f"{r}.created_at")
    to_close = seconds.format(f"{r}.closed_at", f"{r}.created_at")
    return [
        (["'status'", *keys, "''", f"{r}.status", no_day], count, "true"),
        (["'due'", *keys, "''", "''", day.format(f"{r}.due_at")], count,
         f"{r}.status IN {OPEN} AND {r}.due_at IS NOT NULL"),
        (["'day'", *keys, f"{r}.kind", "''", day.format(f"{r}.created_at")],
         [s, f"{s} * coalesce({r}.rating, 0)", f"{s} * {flag.format(f'{r}.rating IS NOT NULL')}",
          f"{s} * coalesce({to_answer}, 0)",
          f"{s} * {flag.format(f'{r}.answered_at IS NOT NULL')}",
          f"CASE WHEN {closed} THEN {s} * {to_close} ELSE 0 END",
          f"CASE WHEN {closed} THEN {s} ELSE 0 END"], "true"),
    ]


def _inserts(r: str, s: str, dialect: str) -> str:
    return "\n".join(f"  INSERT INTO feedback_tally ({COLUMNS}) "
                     f"SELECT {', '.join(keys + values)} WHERE {cond};"
                     for keys, values, cond in _rows(r, s, dialect))


def _postgresql() -> None:
    op.execute(f"""
CREATE OR REPLACE FUNCTION feedback_tally_rows() RETURNS trigger AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
{_inserts('OLD', '-1', 'postgresql')}
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
{_inserts('NEW', '1', 'postgresql')}
  END IF;
  RETURN NULL;
END
$$ LANGUAGE plpgsql""")
    changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in WATCHED)
    op.execute("CREATE TRIGGER feedback_tally_insert_delete AFTER INSERT OR DELETE ON feedback "
               "FOR EACH ROW EXECUTE FUNCTION feedback_tally_rows()")
    op.execute("CREATE TRIGGER feedback_tally_update AFTER UPDATE ON feedback "
               f"FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION feedback_tally_rows()")


def _sqlite() -> None:
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in WATCHED)
    op.execute("CREATE TRIGGER feedback_tally_insert AFTER INSERT ON feedback BEGIN\n"
               f"{_inserts('NEW', '1', 'sqlite')}\nEND")
    op.execute("CREATE TRIGGER feedback_tally_delete AFTER DELETE ON feedback BEGIN\n"
               f"{_inserts('OLD', '-1', 'sqlite')}\nEND")
    op.execute(f"CREATE TRIGGER feedback_tally_update AFTER UPDATE ON feedback WHEN {changed} "
               f"BEGIN\n{_inserts('OLD', '-1', 'sqlite')}\n{_inserts('NEW', '1', 'sqlite')}\nEND")


def upgrade() -> None:
    op.create_table(
        "feedback_tally",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("facet", sa.String(length=8), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("appeal_institution_id", sa.Integer(), nullable=False),
        sa.Column("escalated", sa.Boolean(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("rating_sum", sa.Integer(), nullable=False),
        sa.Column("rating_n", sa.Integer(), nullable=False),
        sa.Column("answer_seconds", sa.Float(), nullable=False),
        sa.Column("answered_n", sa.Integer(), nullable=False),
        sa.Column("close_seconds", sa.Float(), nullable=False),
        sa.Column("closed_n", sa.Integer(), nullable=False),
        sa.Column("squashed", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_feedback_tally_facet_day", "feedback_tally",
                    ["facet", "day", "institution_id"])
    op.create_index("ix_feedback_tally_unsquashed", "feedback_tally", ["id"],
                    postgresql_where=sa.text("NOT squashed"),
                    sqlite_where=sa.text("NOT squashed"))
    dialect = op.get_bind().dialect.name
    _postgresql() if dialect == "postgresql" else _sqlite()
    flag_true = "true" if dialect == "postgresql" else "1"
    # The rows already there, as one squashed row per key.
    for keys, values, cond in _rows("f", "1", dialect):
        sums = ", ".join(f"sum({v})" for v in values)
        op.execute(f"INSERT INTO feedback_tally ({COLUMNS}, squashed) "
                   f"SELECT {', '.join(keys)}, {sums}, {flag_true} FROM feedback AS f "
                   f"WHERE {cond} GROUP BY {', '.join(map(str, range(1, len(keys) + 1)))}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS feedback_tally_update ON feedback")
        op.execute("DROP TRIGGER IF EXISTS feedback_tally_insert_delete ON feedback")
        op.execute("DROP FUNCTION IF EXISTS feedback_tally_rows()")
    else:
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS feedback_tally_{name}")
    op.drop_index("ix_feedback_tally_unsquashed", table_name="feedback_tally")
    op.drop_index("ix_feedback_tally_facet_day", table_name="feedback_tally")
    op.drop_table("feedback_tally")
