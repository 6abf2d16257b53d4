"""Engine and session set-up for SQLite (embedded default) and PostgreSQL.

SQLite runs in WAL mode with ``synchronous=FULL`` (a commit survives power loss), checkpoints
every ``WAL_CHECKPOINT_PAGES`` pages, and foreign keys on; every transaction starts with
``BEGIN IMMEDIATE`` so that writers queue on the busy timeout instead of failing half-way
when a read lock cannot be upgraded.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from gateway.errors import StorageError

# A checkpoint (every N pages of WAL) costs the commit that triggers it two flushes and the
# copy of every page changed since the last one; an intake commit writes ~14 pages, so
# SQLite's default of 1,000 checkpoints every ~70 messages. Most of those pages are the same
# few b-tree leaves written again, so a longer WAL copies fewer pages per message: 1-session
# SMTP intake ran 9-13% faster with 8,000 (bench/README.md). The WAL file (≤ ~32 MiB) is
# reused from its start after each checkpoint, so commits overwrite it in place.
WAL_CHECKPOINT_PAGES = 8000


def _sqlite_connect(dbapi_connection: Any, _record: Any, lock_timeout: int) -> None:
    # Let SQLAlchemy's "begin" hook control transactions (pysqlite's own is wrong for us).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {lock_timeout * 1000}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = FULL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute(f"PRAGMA wal_autocheckpoint = {WAL_CHECKPOINT_PAGES}")
    cursor.close()


def _storage_error(exc: Exception) -> StorageError:
    """A database failure as callers see it: "try again later", the cause named."""
    return StorageError(f"database error: {type(exc).__name__}: {exc}")


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
            raise _storage_error(exc) from exc
        finally:
            session.close()

    @contextmanager
    def dbapi_transaction(self) -> Iterator[Any]:
        """A DB-API cursor in a transaction on a pooled connection: ``transaction`` without ORM.

        For the intake hot path, which runs a few fixed statements per batch: a Session's
        set-up, begin and commit cost about 50 µs of CPU per transaction, a tenth of a lone
        SMTP message's whole commit. The same guarantees as ``transaction``: ``BEGIN
        IMMEDIATE`` on SQLite, commit on success, rollback on error, errors as StorageError
        (the SQLAlchemy exception, e.g. IntegrityError, as its cause).
        """
        dialect = self.engine.dialect
        dbapi_error = dialect.loaded_dbapi.Error
        try:
            connection = self.engine.raw_connection()
        except SQLAlchemyError as exc:
            raise _storage_error(exc) from exc
        try:
            cursor = connection.cursor()
            try:
                if dialect.name == "sqlite":
                    cursor.execute("BEGIN IMMEDIATE")
                yield cursor
                connection.commit()
            except BaseException:
                with suppress(Exception):  # the connection may be gone: nothing to undo then
                    connection.rollback()
                raise
            finally:
                with suppress(Exception):
                    cursor.close()
        except (SQLAlchemyError, dbapi_error) as exc:
            error = exc
            if isinstance(exc, dbapi_error):  # raised by BEGIN or COMMIT themselves
                error = DBAPIError.instance(None, None, exc, dbapi_error, dialect=dialect)
            orig: Any = error.orig if isinstance(error, DBAPIError) else None
            if orig is not None and dialect.is_disconnect(orig, connection.dbapi_connection, None):
                connection.invalidate()  # not back into the pool
            raise _storage_error(error) from error
        finally:
            connection.close()

    def dispose(self) -> None:
        self.engine.dispose()
