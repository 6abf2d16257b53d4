"""Engine and session set-up for SQLite (embedded default) and PostgreSQL.

SQLite runs in WAL mode with ``synchronous=FULL`` (a commit survives power loss) and foreign
keys on; every transaction starts with ``BEGIN IMMEDIATE`` so that writers queue on the busy
timeout instead of failing half-way when a read lock cannot be upgraded.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from gateway.errors import StorageError


def _sqlite_connect(dbapi_connection: Any, _record: Any, lock_timeout: int) -> None:
    # Let SQLAlchemy's "begin" hook control transactions (pysqlite's own is wrong for us).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {lock_timeout * 1000}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = FULL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """An engine plus a session factory; one per process."""

    def __init__(self, url: str, lock_timeout: int = 30, **engine_options: Any) -> None:
        self.url = url
        if url.startswith("sqlite"):
            engine_options.setdefault("connect_args", {"check_same_thread": False})
        else:
            engine_options.setdefault("pool_pre_ping", True)
            engine_options.setdefault("pool_timeout", lock_timeout)
            engine_options.setdefault(
                "connect_args",
                {
                    "connect_timeout": lock_timeout,
                    "options": f"-c lock_timeout={lock_timeout * 1000}",
                },
            )
        self.engine: Engine = create_engine(url, **engine_options)
        if self.engine.dialect.name == "sqlite":
            event.listen(
                self.engine,
                "connect",
                lambda conn, record: _sqlite_connect(conn, record, lock_timeout),
            )
            event.listen(self.engine, "begin", _sqlite_begin)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_postgresql(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work is committed on success and rolled back on error.

        Database errors become StorageError, which callers treat as "try again later".
        """
        session = self.sessions()
        try:
            with session.begin():
                yield session
        except SQLAlchemyError as exc:
            raise StorageError(f"database error: {type(exc).__name__}: {exc}") from exc
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()
