"""The blob store: content-addressed, idempotent, durable, streaming."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest

from gateway.archive.blobstore import LocalBlobStore
from gateway.errors import NotFound


@pytest.fixture
def store(tmp_path: Path) -> LocalBlobStore:
    store = LocalBlobStore(tmp_path / "blobs")
    store.create()
    return store


def test_blob_is_named_by_its_sha256(store: LocalBlobStore):
    """A stored blob is found again by the SHA-256 of its bytes."""
    blob = store.put(b"van ban den")
    assert blob.sha256 == hashlib.sha256(b"van ban den").hexdigest()
    assert store.read(blob.sha256) == b"van ban den"


def test_storing_the_same_bytes_twice_keeps_one_file(store: LocalBlobStore):
    """Idempotent: the second put of the same content adds nothing."""
    first = store.put(b"x" * 1000)
    second, third = store.put_many([b"x" * 1000, b"x" * 1000])
    assert first == second == third
    assert list(store) == [first.sha256]


def test_stream_is_stored_without_reading_it_whole(store: LocalBlobStore):
    """put_stream hashes as it writes and gives the same name as put."""
    data = bytes(range(256)) * 20_000
    assert store.put_stream(io.BytesIO(data)) == store.put(data)


def test_no_temporary_files_are_left_behind(store: LocalBlobStore):
    """Temporary files are renamed or removed; only complete blobs have names."""
    store.put_many([b"a", b"b", b"a"])
    assert list(store.tmp.iterdir()) == []


@pytest.mark.parametrize("name", ["../../etc/passwd", "ab", "G" * 64, ""])
def test_a_name_that_is_not_a_digest_is_refused(store: LocalBlobStore, name: str):
    """Blob names are hex digests only: nothing can point outside the store."""
    with pytest.raises(NotFound):
        store.open(name)
