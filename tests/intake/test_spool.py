"""The raw spool: small raws committed with their rows, moved to the blob store later."""

from __future__ import annotations

import ctypes
import errno
import hashlib
import os
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from gateway.app import App
from gateway.archive import blobstore, spool
from gateway.archive.blobstore import LocalBlobStore
from gateway.archive.spool import Spooler, read_raw
from gateway.archive.verify import verify
from gateway.db.models import InboundMessage, RawSpool
from gateway.errors import NotFound, StorageError
from gateway.intake.store import ImapOrigin, IncomingMail, Intake, Stored
from tests.support.gateway_process import run
from tests.support.mailgen import official_email
from tests.support.settings import PARTY_MAILBOX, make_settings


def _store(app: App, raw: bytes, imap: ImapOrigin | None = None) -> str:
    source = "imap" if imap else "smtp"
    mail = IncomingMail(raw=raw, mailboxes=[PARTY_MAILBOX], source=source, imap=imap)
    stored: Stored = Intake(app.settings, app.db, app.blobs).store(mail)
    with app.db.transaction() as session:
        return session.get_one(InboundMessage, stored.message_ids[0]).raw_sha256


def _spooled(app: App) -> list[str]:
    with app.db.transaction() as session:
        return list(session.scalars(select(RawSpool.sha256).order_by(RawSpool.sha256)))


def test_small_message_is_spooled_and_identical_before_and_after_spooling_out(app: App):
    """A small raw is committed in the spool, and reads the same before and after moving."""
    raw = official_email(1)
    sha = _store(app, raw)
    assert _spooled(app) == [sha]
    assert not app.blobs.exists(sha)  # no file write on the critical path
    assert read_raw(app.db, app.blobs, sha) == raw
    assert spool.drain(app.db, app.blobs) == 1
    assert _spooled(app) == []
    assert app.blobs.read(sha) == raw
    assert read_raw(app.db, app.blobs, sha) == raw


def test_imap_delivery_is_spooled_too(app: App):
    """The one-by-one path (IMAP deliveries) spools the same way as the batched one."""
    raw = official_email(2)
    sha = _store(app, raw, ImapOrigin("vanthu@mail.vn", "INBOX", 7, 1))
    assert _spooled(app) == [sha]
    assert read_raw(app.db, app.blobs, sha) == raw


def test_spooler_is_idempotent_and_crash_safe(app: App, monkeypatch: pytest.MonkeyPatch):
    """A crash between the blob write and the spool delete leaves both; a re-run, one blob."""
    raw = official_email(3)
    sha = _store(app, raw)
    real_put_many = app.blobs.put_many

    class Crash(Exception):
        pass

    def put_then_crash(*args: object, **kwargs: object) -> None:
        real_put_many(*args, **kwargs)  # type: ignore[arg-type]
        raise Crash

    monkeypatch.setattr(app.blobs, "put_many", put_then_crash)
    with pytest.raises(Crash):
        spool.spool_out(app.db, app.blobs)
    monkeypatch.undo()
    assert _spooled(app) == [sha] and app.blobs.exists(sha)  # both copies, never neither
    assert spool.drain(app.db, app.blobs) == 1
    assert spool.drain(app.db, app.blobs) == 0  # nothing left: a second run is a no-op
    assert _spooled(app) == []
    assert list(app.blobs) == [sha]
    assert app.blobs.read(sha) == raw


def test_message_seen_again_after_spooling_out_is_not_spooled_again(app: App):
    """A known blob keeps its stored bytes: the same raw again adds no spool row."""
    raw = official_email(4)
    sha = _store(app, raw)
    spool.drain(app.db, app.blobs)
    assert _store(app, raw) == sha
    assert _spooled(app) == []


def test_message_over_the_threshold_goes_straight_to_the_blob_store(
    tmp_path: Path, database_url: str
):
    """A raw larger than storage.spool_max is a durable blob file before its row commits."""
    app = App(make_settings(tmp_path, database_url, storage={"spool_max": 1000}))
    app.init()
    try:
        small, large = b"Subject: small\r\n\r\nx\r\n", official_email(5)
        assert len(large) > 1000
        small_sha, large_sha = _store(app, small), _store(app, large)
        assert _spooled(app) == [small_sha]
        assert app.blobs.read(large_sha) == large
    finally:
        app.close()


def test_messages_show_raw_works_for_spooled_messages(app: App, tmp_path: Path):
    """`gateway messages show --raw` writes a spooled message's exact bytes."""
    raw = official_email(6)
    sha = _store(app, raw)
    assert _spooled(app) == [sha]
    with app.db.transaction() as session:
        message_id = session.scalars(select(InboundMessage.id)).one()
    shown = run(tmp_path / "gateway.toml", "messages", "show", str(message_id), "--raw").stdout
    assert shown == raw


def test_verify_rehashes_the_spooled_copy(app: App):
    """`gateway verify` accepts a spooled raw and names it when its spooled bytes change."""
    sha = _store(app, official_email(7))
    with app.db.transaction() as session:
        assert verify(session, app.blobs).ok
        session.execute(update(RawSpool).values(data=b"altered"))
    with app.db.transaction() as session:
        problems = [str(p) for p in verify(session, app.blobs).problems]
    altered = hashlib.sha256(b"altered").hexdigest()
    assert problems == [f"blob {sha}: content altered: it now hashes to {altered}"]


def test_altered_spool_row_is_not_moved_out(app: App):
    """A spooled copy that no longer hashes to its name stays in the spool (never deleted)."""
    sha = _store(app, official_email(8))
    with app.db.transaction() as session:
        session.execute(update(RawSpool).values(data=b"altered"))
    assert spool.drain(app.db, app.blobs) == 0
    assert _spooled(app) == [sha]
    assert not app.blobs.exists(sha)


def test_missing_raw_is_not_found(app: App):
    """A raw neither in the blob store nor in the spool is NotFound, not empty bytes."""
    with pytest.raises(NotFound):
        read_raw(app.db, app.blobs, "0" * 64)


def test_background_spooler_empties_the_spool(app: App):
    """The spooler thread of `gateway serve` moves what was committed after a wake-up."""
    shas = [_store(app, official_email(n)) for n in (9, 10, 11)]
    spooler = Spooler(app.db, app.blobs)
    spooler.start()
    try:
        spooler.wake()
        deadline = time.monotonic() + 20
        while _spooled(app) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        spooler.stop()
    assert _spooled(app) == []
    assert all(app.blobs.exists(sha) for sha in shas)
    with app.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(RawSpool)) == 0


def _wake_until(spooler: Spooler, app: App, stop_waking: float) -> bool:
    """Wake the spooler like a busy committer until ``stop_waking``; True if it moved."""
    while time.monotonic() < stop_waking:
        spooler.wake()
        if not _spooled(app):
            return True
        time.sleep(0.02)
    return False


def test_spooler_waits_for_a_quiet_moment(app: App, monkeypatch: pytest.MonkeyPatch):
    """While commits keep coming the spooler stays out of the way; once quiet, it moves."""
    monkeypatch.setattr(spool, "QUIET_SECONDS", 3.0)
    monkeypatch.setattr(spool, "MAX_DEFER_SECONDS", 600.0)
    _store(app, official_email(12))
    spooler = Spooler(app.db, app.blobs)
    spooler.start()
    try:
        assert not _wake_until(spooler, app, time.monotonic() + 1.0)  # busy: deferred
        deadline = time.monotonic() + 30
        while _spooled(app) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        spooler.stop()
    assert _spooled(app) == []


def test_spooler_moves_by_its_deadline_under_sustained_load(
    app: App, monkeypatch: pytest.MonkeyPatch
):
    """Commits that never pause do not keep raws in the spool past MAX_DEFER_SECONDS."""
    monkeypatch.setattr(spool, "QUIET_SECONDS", 600.0)
    monkeypatch.setattr(spool, "MAX_DEFER_SECONDS", 0.5)
    _store(app, official_email(13))
    spooler = Spooler(app.db, app.blobs)
    spooler.start()
    try:
        assert _wake_until(spooler, app, time.monotonic() + 30)
    finally:
        spooler.stop()


def test_whole_filesystem_flush_and_its_fallback_store_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """put_many(whole_fs=True): syncfs where there is one, else fsync per file; same blobs."""
    datas = [b"first", b"second", b"first"]
    with_syncfs = LocalBlobStore(tmp_path / "a")
    with_syncfs.create()
    calls: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: calls.append(fd) or real_fsync(fd))
    stored = with_syncfs.put_many(datas, whole_fs=True)
    if blobstore._syncfs is not None:  # Linux: two syncfs, no fsync at all
        assert calls == []
    monkeypatch.setattr(blobstore, "_syncfs", None)
    without = LocalBlobStore(tmp_path / "b")
    without.create()
    calls.clear()
    assert without.put_many(datas, whole_fs=True) == stored
    assert len(calls) >= 2 + 2  # two files, then their directories
    assert list(with_syncfs) == list(without) == sorted({s.sha256 for s in stored})
    assert [without.read(s.sha256) for s in stored] == datas


def test_syncfs_error_fails_the_put_and_leaves_no_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A writeback error reported by syncfs is a StorageError; no blob name appears."""

    def failing_syncfs(fd: int) -> int:
        ctypes.set_errno(errno.EIO)
        return -1

    monkeypatch.setattr(blobstore, "_syncfs", failing_syncfs)
    blobs = LocalBlobStore(tmp_path / "blobs")
    blobs.create()
    with pytest.raises(StorageError):
        blobs.put_many([b"data"], whole_fs=True)
    assert list(blobs) == []
    assert list(blobs.tmp.iterdir()) == []


def test_sync_filesystem_says_when_it_cannot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Without syncfs (other systems) sync_filesystem answers False, so callers fsync."""
    monkeypatch.setattr(blobstore, "_syncfs", None)
    assert blobstore.sync_filesystem(tmp_path) is False
