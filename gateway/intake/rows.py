"""The batched intake rows, written with plain DB-API statements inside a transaction.

Why: every SQLAlchemy Core execution costs about 100 µs of CPU (cache key, compiled-statement
context, result set-up) before the database does anything. A batch needed seven of them, so a
batch of one message (one sending session) spent about 1.3 ms in SQLAlchemy and 0.3 ms in
SQLite and its flush; the event loop waits for that, holding nothing but needing the GIL.

The statements are fixed and plain, so they run on a DB-API cursor: a bare connection's
(``Database.dbapi_transaction``: SMTP and imported files, no Session at all) or a session's own
connection (IMAP, whose folder state commits in the same transaction). Either way the
transaction (SQLite ``BEGIN IMMEDIATE``), the commit, the rollback and the mapping of errors
to StorageError are the database layer's. Values go through each column type's bind processor for
the dialect, so what is stored is exactly what SQLAlchemy would store (tests compare the
rows with the ORM path); DB-API errors are wrapped into SQLAlchemy's exceptions (an
``IntegrityError`` still tells ``store_batch`` to retry). Blob and message rows that are
already stored are skipped by the insert itself (``ON CONFLICT DO NOTHING RETURNING``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from gateway.db.models import Blob, Delivery, InboundMessage, RawSpool

Row = Mapping[str, object]
Cursor = Any  # a DB-API 2 cursor (sqlite3 or psycopg)
Insert = tuple[str, list[tuple[str, Callable[[Any], Any] | None]]]  # SQL, bind processors

# Rows per multi-row INSERT: far below SQLite's 32,766 bound parameters at 13 columns a row.
ROWS_PER_INSERT = 200


class RowWriter:
    """The intake statements for one dialect (SQLite or PostgreSQL); shareable between
    threads (it keeps nothing but the statements it has prepared)."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self._marker = ":{}" if dialect.name == "sqlite" else "%({})s"
        self._positional = "?" if dialect.name == "sqlite" else "%s"
        self._inserts: dict[tuple[str, tuple[str, ...]], Insert] = {}
        self._inserts_new: dict[tuple[str, tuple[str, ...], int], Insert] = {}

    def cursor(self, session: Session) -> Cursor:
        """A DB-API cursor on the session's connection, inside its transaction (begun)."""
        dbapi_connection = session.connection().connection.driver_connection
        assert dbapi_connection is not None
        return dbapi_connection.cursor()

    def organisation_id(self, cursor: Cursor, code: str) -> int | None:
        sql = f"SELECT id FROM organisations WHERE code = {self._marker.format('code')}"
        rows = self._run(cursor, sql, {"code": code})
        return int(rows[0][0]) if rows else None

    def message_ids(
        self, cursor: Cursor, org_ids: Sequence[int], keys: Sequence[str]
    ) -> dict[tuple[int, str], int]:
        """(organisation id, dedupe key) -> message id, for the messages stored under keys."""
        if not org_ids or not keys:
            return {}
        sql, params = self.message_ids_sql(org_ids, keys)
        return {(org_id, key): id_ for id_, org_id, key in self._run(cursor, sql, params)}

    def message_ids_sql(
        self, org_ids: Sequence[int], keys: Sequence[str]
    ) -> tuple[str, dict[str, object]]:
        # With the organisations in the condition the unique index (organisation_id,
        # dedupe_key) is searched; on dedupe_key alone it would be scanned whole.
        orgs_sql, org_params = self._in_list("organisation_id", "o", org_ids)
        keys_sql, key_params = self._in_list("dedupe_key", "k", sorted(set(keys)))
        sql = f"SELECT id, organisation_id, dedupe_key FROM inbound_messages WHERE {orgs_sql}"
        return f"{sql} AND {keys_sql}", {**org_params, **key_params}

    def insert_new_blobs(self, cursor: Cursor, rows: Sequence[Row]) -> set[str]:
        """Insert the blob rows whose digest is not stored yet; the digests inserted."""
        table: Table = Blob.__table__  # type: ignore[assignment]
        return {sha for (sha,) in self._insert_new(cursor, table, rows, "sha256", "sha256")}

    def insert_new_messages(
        self, cursor: Cursor, rows: Sequence[Row]
    ) -> dict[tuple[int, str], int]:
        """Insert the messages whose (organisation, dedupe key) is new; their new ids by it."""
        table: Table = InboundMessage.__table__  # type: ignore[assignment]
        unique = "organisation_id, dedupe_key"
        inserted = self._insert_new(cursor, table, rows, unique, f"id, {unique}")
        return {(org_id, key): id_ for id_, org_id, key in inserted}

    def insert_spool(self, cursor: Cursor, rows: Sequence[Row]) -> None:
        self._insert(cursor, RawSpool.__table__, rows)  # type: ignore[arg-type]

    def insert_deliveries(self, cursor: Cursor, rows: Sequence[Row]) -> None:
        self._insert(cursor, Delivery.__table__, rows)  # type: ignore[arg-type]

    def _insert(self, cursor: Cursor, table: Table, rows: Sequence[Row]) -> None:
        """One executemany of rows that all have the same keys (column names)."""
        if not rows:
            return
        key = (table.name, tuple(rows[0]))
        if key not in self._inserts:
            head, processors = self._insert_head(table, key[1])
            values = ", ".join(self._marker.format(name) for name in key[1])
            self._inserts[key] = f"{head} VALUES ({values})", processors
        sql, processors = self._inserts[key]
        params = [
            {name: process(row[name]) if process else row[name] for name, process in processors}
            for row in rows
        ]
        self._run(cursor, sql, params, many=True)

    def _insert_new(
        self, cursor: Cursor, table: Table, rows: Sequence[Row], unique: str, returning: str
    ) -> list[tuple[Any, ...]]:
        """Multi-row INSERTs that skip rows clashing on the ``unique`` columns and return
        ``returning`` of the rows inserted.

        Why: one statement instead of a look-up, an insert and a read-back of the new ids,
        for SQLite and PostgreSQL alike. The rows come back in no promised order, so callers
        key them by the columns returned. A row that a concurrent transaction inserted first
        is skipped, not an error.
        """
        inserted: list[tuple[Any, ...]] = []
        for start in range(0, len(rows), ROWS_PER_INSERT):
            chunk = rows[start : start + ROWS_PER_INSERT]
            key = (table.name, tuple(chunk[0]), len(chunk))
            if key not in self._inserts_new:
                head, processors = self._insert_head(table, key[1])
                one_row = "(" + ", ".join([self._positional] * len(key[1])) + ")"
                values = ", ".join([one_row] * len(chunk))
                skip = f"ON CONFLICT ({unique}) DO NOTHING RETURNING {returning}"
                sql = f"{head} VALUES {values} {skip}"
                self._inserts_new[key] = sql, processors
            sql, processors = self._inserts_new[key]
            params = [
                process(row[name]) if process else row[name]
                for row in chunk
                for name, process in processors
            ]
            inserted += self._run(cursor, sql, params)
        return inserted

    def _insert_head(self, table: Table, names: Sequence[str]) -> Insert:
        """``INSERT INTO table (columns)`` and each column type's bind processor (e.g. UTC
        datetimes, binary) for this dialect; callers add the VALUES and keep the result."""
        sql = f"INSERT INTO {table.name} ({', '.join(names)})"
        return sql, [(name, table.c[name].type.bind_processor(self.dialect)) for name in names]

    def _in_list(
        self, column: str, prefix: str, values: Iterable[object]
    ) -> tuple[str, dict[str, object]]:
        params = {f"{prefix}{i}": value for i, value in enumerate(values)}
        markers = ", ".join(self._marker.format(name) for name in params)
        return f"{column} IN ({markers})", params

    def _run(
        self, cursor: Cursor, sql: str, params: Any, many: bool = False
    ) -> list[tuple[Any, ...]]:
        """Execute on the transaction's DB-API cursor; the rows, if any."""
        try:
            if many:
                cursor.executemany(sql, params)
                return []
            cursor.execute(sql, params)
            return list(cursor.fetchall())
        except self.dialect.loaded_dbapi.Error as exc:
            raise DBAPIError.instance(  # the SQLAlchemy exception Core would have raised
                sql, params, exc, self.dialect.loaded_dbapi.Error, dialect=self.dialect
            ) from exc
