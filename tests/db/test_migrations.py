"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from gateway.app import App
from gateway.db.migrate import include_object
from gateway.db.models import Base


def _differences(url: str, **opts: Any) -> list[Any]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True, **opts})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def test_models_and_migrations_agree(app: App):
    """Autogenerate finds nothing to change: every model column is migrated as declared."""
    assert _differences(app.settings.database_url, include_object=include_object) == []


def test_autogenerate_never_drops_the_search_index(app: App):
    """The search tables exist only in migrations; the filter is what keeps them."""
    unfiltered = _differences(app.settings.database_url)
    dropped = {diff[1].name for diff in unfiltered if diff[0] == "remove_table"}
    assert "search_entries" in dropped
