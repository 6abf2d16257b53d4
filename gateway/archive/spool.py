"""The raw spool: small raw messages wait in the database until they are in the blob store.

Why it exists: making a message durable through the blob store costs three device flushes in
sequence (the file's data, its directory entry, then the database commit); Postfix pays one.
Intake therefore commits the raw bytes of a message up to ``storage.spool_max`` bytes into
``raw_spool`` in the same transaction as its rows: one commit, one flush, and the 250 still
means "raw bytes and row are durable". The spooler moves the bytes into the blob store off
the critical path, many at a time: once intake has been quiet for a moment (or at the latest
a few seconds after a commit), with two syncfs(2) calls per pass where the system has them.

The invariant (principle 1): the bytes of a blob row are in the blob store, in the spool, or
in both, never in neither. The spooler deletes a spool row only in a transaction after the one
in which it read it, and only once ``put_many`` has made the blob file durable (data flushed
before the rename, the name flushed after it, by syncfs or by fsyncs of each file and
directory; files that were already there are flushed again, in case their writer had not
finished). A crash anywhere leaves the row, the file, or both; the next pass
(``gateway serve``, ``gateway init``, ``gateway process``) finishes the move, idempotently.

Readers use ``read_raw`` / ``open_raw``: the blob store first (where almost everything is),
then the spool, then the blob store again (the spooler may have moved the bytes in between).
"""

from __future__ import annotations

import io
import logging
import threading
import time
from typing import BinaryIO

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from gateway.archive.blobstore import LocalBlobStore
from gateway.db.engine import Database
from gateway.db.models import RawSpool
from gateway.errors import NotFound

log = logging.getLogger(__name__)

SPOOL_BATCH = 256  # rows moved per pass: one put_many (two flush rounds) and one delete commit
QUIET_SECONDS = 0.5  # the background spooler moves raws once intake has been quiet this long,
MAX_DEFER_SECONDS = 5.0  # or at the latest this long after the first commit it was told of,
IDLE_SECONDS = 10.0  # and looks anyway this often (IMAP intake, rows of another process)


def spooled(session: Session, sha256: str) -> bytes | None:
    """The spooled copy of a blob, or None when it is not (or no longer) in the spool."""
    return session.scalar(select(RawSpool.data).where(RawSpool.sha256 == sha256))


def read_raw(source: Database | Session, blobs: LocalBlobStore, sha256: str) -> bytes:
    """The bytes of a stored raw message, wherever they are; NotFound when nowhere.

    ``source`` is the database (a short transaction is opened only when the blob file is
    missing) or the caller's session when it is already inside a transaction.
    """
    try:
        return blobs.read(sha256)
    except NotFound:
        pass
    if isinstance(source, Session):
        data = spooled(source, sha256)
    else:
        with source.transaction() as session:
            data = spooled(session, sha256)
    if data is not None:
        return data
    return blobs.read(sha256)  # moved out since the first look (or missing: NotFound)


def open_raw(source: Database | Session, blobs: LocalBlobStore, sha256: str) -> BinaryIO:
    """``read_raw`` as a file: the blob file itself, or the spooled bytes in memory."""
    try:
        return blobs.open(sha256)
    except NotFound:
        return io.BytesIO(read_raw(source, blobs, sha256))


def spool_out(db: Database, blobs: LocalBlobStore, limit: int = SPOOL_BATCH) -> int:
    """Move up to ``limit`` spooled raws into the blob store; returns how many were moved.

    Several processes may run this at once (PostgreSQL deployments): they may copy the same
    rows, which costs time, not correctness (blob writes and deletes are idempotent). Rows
    are not locked across the fsyncs on purpose: that would hold a transaction (on SQLite the
    write lock) for as long as the disk takes.
    """
    with db.transaction() as session:
        rows = session.execute(
            select(RawSpool.sha256, RawSpool.data).order_by(RawSpool.created_at).limit(limit)
        ).all()
    if not rows:
        return 0
    stored = blobs.put_many((data for _, data in rows), sync_existing=True, whole_fs=True)
    moved = []
    for (sha256, _), blob in zip(rows, stored, strict=True):
        if blob.sha256 == sha256:
            moved.append(sha256)
        else:  # the database altered the bytes: keep the row, `gateway verify` names it
            log.error("spooled raw %s hashes to %s: left in the spool", sha256, blob.sha256)
    if moved:
        with db.transaction() as session:
            session.execute(delete(RawSpool).where(RawSpool.sha256.in_(moved)))
    return len(moved)


def drain(db: Database, blobs: LocalBlobStore) -> int:
    """Move everything spooled into the blob store; returns how many raws were moved."""
    total = 0
    while moved := spool_out(db, blobs):
        total += moved
    return total


class Spooler:
    """The background spooler of `gateway serve`: ``wake`` it after each intake commit."""

    def __init__(self, db: Database, blobs: LocalBlobStore) -> None:
        self.db = db
        self.blobs = blobs
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._last_wake = 0.0  # time.monotonic() of the latest commit we were told of
        self._thread = threading.Thread(target=self._run, name="spooler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        """Called by the committer after every commit: cheap, no thread switch when busy."""
        self._last_wake = time.monotonic()
        if not self._wake.is_set():
            self._wake.set()

    def stop(self) -> None:
        """Stop after the current pass; what is still spooled waits for the next start."""
        self._stop.set()
        self._wake.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(IDLE_SECONDS)
            if not self._wait_for_quiet():
                break
            self._wake.clear()  # commits from now on ask for another pass
            try:
                while spool_out(self.db, self.blobs) == SPOOL_BATCH:
                    pass  # a full pass: more are waiting, no linger
            except Exception as exc:  # disk or database trouble: the rows wait, nothing lost
                log.error("spooler: cannot move raws to the blob store: %s", exc)

    def _wait_for_quiet(self) -> bool:
        """Wait until no commit came for QUIET_SECONDS, or MAX_DEFER_SECONDS passed.

        Why: a pass writes and flushes hundreds of files and commits a delete; run while
        SMTP sessions are waiting for their own commits, it takes the disk and the GIL from
        them. Mail comes in bursts: moving the raws in the gaps costs the senders nothing,
        and the deadline bounds how much can pile up in the spool under sustained load
        (the raws are durable there meanwhile). It sleeps in QUIET_SECONDS steps rather
        than waking on every commit. False when the spooler is being stopped.
        """
        deadline = time.monotonic() + MAX_DEFER_SECONDS
        while True:
            now = time.monotonic()
            quiet_at = self._last_wake + QUIET_SECONDS
            if now >= quiet_at or now >= deadline:
                return not self._stop.is_set()
            if self._stop.wait(min(quiet_at, deadline) - now):
                return False
