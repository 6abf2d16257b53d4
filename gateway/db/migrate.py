"""Alembic migrations, run programmatically (``gateway init`` upgrades to head)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str) -> None:
    command.upgrade(alembic_config(url), "heads")


def include_object(obj: object, name: str | None, type_: str, reflected: bool,
                   compare_to: object) -> bool:  # fmt: skip
    """The search index tables are made by migrations only (FTS5, tsvector): never drop them."""
    return not (type_ == "table" and reflected and compare_to is None
                and (name or "").startswith("search_"))  # fmt: skip
