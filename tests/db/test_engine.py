"""The bare DB-API transaction of the intake hot path keeps ``transaction``'s guarantees."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from gateway.app import App
from gateway.db.engine import Database
from gateway.db.models import Organisation
from gateway.errors import StorageError


def _organisations(app: App) -> int:
    with app.db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(Organisation)) or 0)


def _insert_sql(app: App, code: str) -> tuple[str, dict[str, str]]:
    marker = ":{}" if app.db.engine.dialect.name == "sqlite" else "%({})s"
    columns = ("code", "name", "system", "timezone")
    sql = (
        f"INSERT INTO organisations ({', '.join(columns)}) "
        f"VALUES ({', '.join(marker.format(c) for c in columns)})"
    )
    values = {"code": code, "name": "Xã Thử Nghiệm", "system": "state"}
    return sql, {**values, "timezone": "Asia/Ho_Chi_Minh"}


def test_bare_transaction_commits_on_success(app: App) -> None:
    before = _organisations(app)
    with app.db.dbapi_transaction() as cursor:
        cursor.execute(*_insert_sql(app, "xa-thu-nghiem"))
    assert _organisations(app) == before + 1


def test_bare_transaction_rolls_back_on_error(app: App) -> None:
    before = _organisations(app)
    with pytest.raises(RuntimeError), app.db.dbapi_transaction() as cursor:
        cursor.execute(*_insert_sql(app, "xa-thu-nghiem"))
        raise RuntimeError("trouble after the insert")
    assert _organisations(app) == before
    with app.db.dbapi_transaction() as cursor:  # the pooled connection is usable again
        cursor.execute(*_insert_sql(app, "xa-thu-nghiem"))
    assert _organisations(app) == before + 1


def test_bare_transaction_reports_database_errors_as_storage_errors(app: App) -> None:
    """A constraint violation is a StorageError caused by SQLAlchemy's IntegrityError, as in
    ``transaction`` (intake retries on exactly that)."""
    with app.db.dbapi_transaction() as cursor:
        cursor.execute(*_insert_sql(app, "xa-trung-ma"))
    before = _organisations(app)
    with pytest.raises(StorageError) as caught, app.db.dbapi_transaction() as cursor:
        cursor.execute(*_insert_sql(app, "xa-moi"))
        cursor.execute(*_insert_sql(app, "xa-trung-ma"))
    assert isinstance(caught.value.__cause__, IntegrityError)
    assert _organisations(app) == before  # the first insert was undone with the second


def test_bare_transaction_waits_for_the_write_lock_on_sqlite(app: App) -> None:
    """BEGIN IMMEDIATE: a second writer is refused at the start (after the busy timeout),
    never half-way through its statements."""
    if app.db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's write lock")
    before = _organisations(app)
    impatient = Database(app.settings.database_url, lock_timeout=0)
    try:
        with app.db.dbapi_transaction() as cursor:
            cursor.execute(*_insert_sql(app, "xa-dang-ghi"))
            with pytest.raises(StorageError, match="locked"), impatient.dbapi_transaction():
                pass
    finally:
        impatient.dispose()
    assert _organisations(app) == before + 1  # the first writer was not disturbed


def test_sqlite_keeps_one_connection_per_thread_and_renews_it_after_a_failure(app: App) -> None:
    """The intake's SQLite connection is reused while transactions succeed; after a failed
    one the next transaction opens a fresh connection, and dispose closes what was held."""
    if app.db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL takes pooled connections (pinged on checkout)")
    seen = []
    for code in ("xa-mot", "xa-hai"):
        with app.db.dbapi_transaction() as cursor:
            seen.append(cursor.connection)
            cursor.execute(*_insert_sql(app, code))
    assert seen[0] is seen[1]
    with pytest.raises(StorageError), app.db.dbapi_transaction() as cursor:
        cursor.execute(*_insert_sql(app, "xa-mot"))  # already there: refused
    with app.db.dbapi_transaction() as cursor:
        renewed = cursor.connection
        cursor.execute(*_insert_sql(app, "xa-ba"))
    assert renewed is not seen[0]
    app.db.dispose()
    with pytest.raises(Exception, match="closed"):
        renewed.execute("SELECT 1")
