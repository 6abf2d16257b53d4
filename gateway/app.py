"""The running gateway's parts, built once from Settings and passed to whoever needs them."""

from __future__ import annotations

from functools import cached_property

from sqlalchemy import inspect

from gateway.archive import spool
from gateway.archive.blobstore import LocalBlobStore
from gateway.config import Settings
from gateway.db.engine import Database
from gateway.errors import StorageError


class App:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def db(self) -> Database:
        return Database(self.settings.database_url, self.settings.storage.lock_timeout)

    @cached_property
    def blobs(self) -> LocalBlobStore:
        return LocalBlobStore(self.settings.data_root / "blobs")

    def init(self) -> None:
        """Create the data root, the schema (migrations to head) and the blob store.

        Raw messages left in the raw spool (by a daemon that stopped) move to the blob store.
        """
        try:
            self.settings.data_root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"cannot create data root {self.settings.data_root}: {exc}") from exc
        self.blobs.create()
        # Imported here: Alembic and the pipeline are not needed by read-only commands.
        from gateway.db.migrate import upgrade
        from gateway.db.organisations import sync_organisations

        try:
            upgrade(self.settings.database_url)
        except Exception as exc:
            raise StorageError(f"cannot migrate the database: {exc}") from exc
        sync_organisations(self.db, self.settings)
        spool.drain(self.db, self.blobs)

    def require_initialised(self) -> None:
        """Fail with a clear message when `gateway init` has not been run."""
        try:
            tables = inspect(self.db.engine).get_table_names()
        except Exception as exc:
            raise StorageError(f"cannot open the database: {exc}") from exc
        if "inbound_messages" not in tables or not self.blobs.tmp.is_dir():
            raise StorageError(
                f"the data root {self.settings.data_root} is not initialised: run `gateway init`"
            )

    def close(self) -> None:
        if "db" in self.__dict__:
            self.db.dispose()
