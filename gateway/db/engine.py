"""Engine and session set-up for SQLite (embedded default) and PostgreSQL.

SQLite runs in WAL mode with ``synchronous=FULL`` (a commit survives power loss), checkpoints
every ``WAL_CHECKPOINT_PAGES`` pages, and foreign keys on; every transaction starts with
``BEGIN IMMEDIATE`` so that writers queue on the busy timeout instead of failing half-way
when a read lock cannot be upgraded.
"""

from __future__ import annotations

import threading
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
        # ``dbapi_transaction`` on SQLite keeps one connection per thread instead of taking
        # one from the pool each time: the pool's checkout and reset cost ~30 µs of CPU per
        # transaction, a tenth of a lone SMTP message's commit. There is no server to go
        # away; after any failure the connection is closed and the next one opened afresh.
        # PostgreSQL keeps the pool, whose ping on checkout survives a server restart.
        self._held = threading.local() if self.engine.dialect.name == "sqlite" else None
        self._held_all: list[Any] = []  # closed by dispose()
        self._lock = threading.Lock()

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
        """A DB-API cursor in a transaction: ``transaction`` without the ORM.

        For the intake hot path, which runs a few fixed statements per batch: a Session's
        set-up, begin and commit cost about 50 µs of CPU per transaction, a tenth of a lone
        SMTP message's whole commit. The same guarantees as ``transaction``: ``BEGIN
        IMMEDIATE`` on SQLite, commit on success, rollback on error, errors as StorageError
        (the SQLAlchemy exception, e.g. IntegrityError, as its cause).
        """
        dialect = self.engine.dialect
        dbapi_error = dialect.loaded_dbapi.Error
        held = self._held is not None
        connection = self._held_connection() if held else self._pooled_connection()
        committed = False
        try:
            cursor = connection.cursor()
            try:
                if dialect.name == "sqlite":
                    cursor.execute("BEGIN IMMEDIATE")
                yield cursor
                connection.commit()
                committed = True
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
            if (
                not held
                and orig is not None
                and dialect.is_disconnect(orig, connection.dbapi_connection, None)
            ):
                connection.invalidate()  # not back into the pool
            raise _storage_error(error) from error
        finally:
            if not held:
                connection.close()
            elif not committed:  # after any failure the next transaction starts afresh
                self._drop_held_connection()

    def _pooled_connection(self) -> Any:
        try:
            return self.engine.raw_connection()
        except SQLAlchemyError as exc:
            raise _storage_error(exc) from exc

    def _held_connection(self) -> Any:
        """This thread's own SQLite connection, opened on first use and kept (see __init__)."""
        assert self._held is not None
        connection = getattr(self._held, "connection", None)
        if connection is None:
            connection = self._pooled_connection()
            connection.detach()  # ours now: the pool neither counts nor resets it
            self._held.connection = connection
            with self._lock:
                self._held_all.append(connection)
        return connection

    def _drop_held_connection(self) -> None:
        assert self._held is not None
        connection = self._held.connection
        self._held.connection = None
        with self._lock:
            self._held_all.remove(connection)
        with suppress(Exception):
            connection.close()

    def dispose(self) -> None:
        with self._lock:
            held, self._held_all = self._held_all, []
        for connection in held:
            with suppress(Exception):
                connection.close()
        self.engine.dispose()
