"""Test databases: SQLite files and one PostgreSQL database per test run.

Every database test runs against both backends. The PostgreSQL server on 127.0.0.1:5432
(user postgres, trust auth) gets a fresh database for the run, dropped at the end; tests
empty it between them. Set GATEWAY_TEST_DATABASES=sqlite to run only the embedded backend.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
from sqlalchemy import create_engine, text

from gateway.db.migrate import upgrade
from gateway.db.models import Base

PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"


def backends() -> list[str]:
    return os.environ.get("GATEWAY_TEST_DATABASES", "sqlite,postgresql").split(",")


class PostgresDatabase:
    def __init__(self) -> None:
        self.name = f"gateway_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{self.name}"

    def create(self) -> None:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')
        upgrade(self.url)

    def empty(self) -> None:
        engine = create_engine(self.url)
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()

    def drop(self) -> None:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


class SqliteTemplate:
    """A migrated SQLite file, copied for each test (migrating each time is slow)."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "template.sqlite3"
        upgrade(f"sqlite:///{self.path}")

    def copy_to(self, data_root: Path) -> None:
        data_root.mkdir(parents=True, exist_ok=True)
        shutil.copy(self.path, data_root / "gateway.sqlite3")


def iter_postgres() -> Iterator[PostgresDatabase]:
    db = PostgresDatabase()
    db.create()
    try:
        yield db
    finally:
        db.drop()
