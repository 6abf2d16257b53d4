"""Fixtures shared by the whole suite: a migrated database on each backend, settings, App."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.app import App
from gateway.config import Settings
from tests.support.databases import PostgresDatabase, SqliteTemplate, backends, iter_postgres
from tests.support.settings import make_settings


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplate:
    return SqliteTemplate(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresDatabase]:
    yield from iter_postgres()


@pytest.fixture(params=backends())
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: SqliteTemplate
) -> str:
    """A migrated, empty database on each backend (SQLite under tmp_path/archive)."""
    if request.param == "postgresql":
        pg: PostgresDatabase = request.getfixturevalue("postgres")
        pg.empty()
        return pg.url
    sqlite_template.copy_to(tmp_path / "archive")
    return ""


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path, database_url)


@pytest.fixture
def app(settings: Settings) -> Iterator[App]:
    app = App(settings)
    app.init()
    yield app
    app.close()
