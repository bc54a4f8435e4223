"""reach: a short name per language for every institution

Revision ID: 0006_reach
Revises: 0005_open311
Create Date: 2026-12-01

Lists, confirmations and SMS name an institution in the citizen's language
("Bahi DC", "TANROADS barabara" / "TANROADS roads"); the importer fills the
two columns from the CSV's ``short_sw`` and ``short_en``. The upgrade fills
them for the rows already there from the shipped ``data/institutions.csv``,
so a database upgraded without a re-import names institutions at once.
"""

from __future__ import annotations

import csv
from pathlib import Path

import sqlalchemy as sa
from alembic import op

SHIPPED = Path(__file__).resolve().parents[2] / "data" / "institutions.csv"

revision = "0006_reach"
down_revision = "0005_open311"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("institution", schema=None) as batch_op:
        batch_op.add_column(sa.Column("short_sw", sa.String(length=60), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("short_en", sa.String(length=60), nullable=False,
                                      server_default=""))
    rows = _shipped_short_names()
    if rows:
        op.get_bind().execute(sa.text(
            "UPDATE institution SET short_sw = :sw, short_en = :en "
            "WHERE code = :code AND short_sw = '' AND short_en = ''"), rows)


def _shipped_short_names() -> list[dict[str, str]]:
    if not SHIPPED.exists():
        return []
    with SHIPPED.open(encoding="utf-8-sig", newline="") as fh:
        return [{"code": r["code"], "sw": r.get("short_sw") or "", "en": r.get("short_en") or ""}
                for r in csv.DictReader(fh) if r.get("short_sw") or r.get("short_en")]


def downgrade() -> None:
    with op.batch_alter_table("institution", schema=None) as batch_op:
        batch_op.drop_column("short_en")
        batch_op.drop_column("short_sw")
