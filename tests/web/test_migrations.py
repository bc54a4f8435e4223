"""The migrations build exactly the schema the models describe, on this database."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from core.models import Base


def test_migrations_match_the_models(app) -> None:
    with app.extensions["db"].engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []
