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
from sqlalchemy import Engine, create_engine, text

from gateway.db.migrate import upgrade

PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
USER_TABLES = (
    "SELECT quote_ident(tablename) FROM pg_tables"
    " WHERE schemaname = 'public' AND tablename <> 'alembic_version' ORDER BY tablename"
)
SEQUENCES = (
    "SELECT quote_ident(sequencename) FROM pg_sequences"
    " WHERE schemaname = 'public' ORDER BY sequencename"
)


def backends() -> list[str]:
    return os.environ.get("GATEWAY_TEST_DATABASES", "sqlite,postgresql").split(",")


class PostgresDatabase:
    def __init__(self) -> None:
        self.name = f"gateway_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{self.name}"
        self._engine: Engine | None = None
        self._emptying = ""

    def create(self) -> None:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')
        upgrade(self.url)

    def empty(self) -> None:
        """Back to just migrated: every table but alembic_version empty, every sequence reset.

        DELETE, not TRUNCATE: truncating every table costs a tenth of a second (new files for
        each table and index) before each PostgreSQL test; deleting the few rows a test
        leaves costs a few milliseconds. Foreign keys and triggers are off for the
        transaction (session_replication_role), so the order does not matter.
        """
        if self._engine is None:
            self._engine = create_engine(self.url, pool_pre_ping=True)
            with self._engine.connect() as conn:
                tables = conn.scalars(text(USER_TABLES)).all()
                sequences = conn.scalars(text(SEQUENCES)).all()
            self._emptying = "".join([
                "SET LOCAL session_replication_role = replica;",
                *(f"DELETE FROM {table};" for table in tables),
                *(f"ALTER SEQUENCE {sequence} RESTART;" for sequence in sequences),
            ])  # fmt: skip
        with self._engine.begin() as conn:
            conn.exec_driver_sql(self._emptying)

    def drop(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
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
