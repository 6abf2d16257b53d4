"""Content-addressed blob store: every raw message and attachment, by SHA-256.

A blob is written to a temporary file, fsync'd, renamed to its final name and its directory
fsync'd, so that a name in the store always means complete, durable content. Writing the same
bytes twice is a no-op. ``put_many`` makes a group of blobs durable together: it issues the
fsyncs of the group at the same time (from a small thread pool), so that the filesystem folds
them into one journal commit and the group waits about two device flushes (files, then
directories) instead of two per blob.

The ``BlobStore`` protocol is what the rest of the gateway uses; an object-store backend
(S3-compatible) can implement it later.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import hashlib
import os
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol, TypeVar

from gateway.errors import NotFound, StorageError

CHUNK = 1 << 20
HEX = frozenset("0123456789abcdef")
FSYNC_THREADS = 16
T = TypeVar("T")


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    size: int


class BlobStore(Protocol):
    """Where bytes live. Implementations must make ``put*`` durable before returning."""

    def put(self, data: bytes) -> StoredBlob: ...

    def put_many(
        self, items: Iterable[bytes], sync_existing: bool = False, whole_fs: bool = False
    ) -> list[StoredBlob]: ...

    def put_stream(self, stream: BinaryIO) -> StoredBlob: ...

    def open(self, sha256: str) -> BinaryIO: ...

    def exists(self, sha256: str) -> bool: ...

    def __iter__(self) -> Iterator[str]: ...


def _check_digest(sha256: str) -> str:
    if len(sha256) != 64 or not HEX.issuperset(sha256):
        raise NotFound(f"not a SHA-256 digest: {sha256!r}")
    return sha256


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _fsync_all(fsync: Callable[[T], None], targets: list[T]) -> None:
    """fsync every target, all at once; raises the first OSError after all are done.

    fsync waits for the disk; issued together, the kernel commits them in one journal
    transaction (ext4/XFS group commit) instead of one after the other.
    """
    global _pool
    if len(targets) <= 1:
        for target in targets:
            fsync(target)
        return
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(FSYNC_THREADS, thread_name_prefix="blob-fsync")
    futures = [_pool.submit(fsync, target) for target in targets]
    errors = [f.exception() for f in futures]
    for error in errors:
        if error is not None:
            raise error


def _load_syncfs() -> Callable[[int], int] | None:
    """libc's syncfs(2) (Linux), or None where there is none (other systems, no libc)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int]
    function.restype = ctypes.c_int
    return function


_syncfs = _load_syncfs()


def sync_filesystem(path: Path) -> bool:
    """Flush everything written to the filesystem holding ``path``: True once durable.

    False when syncfs(2) is not available: the caller then fsyncs file by file. Since Linux
    5.8 syncfs reports writeback errors of the filesystem, raised here as OSError.
    """
    if _syncfs is None:
        return False
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        if _syncfs(fd) != 0:
            code = ctypes.get_errno()
            if code == errno.ENOSYS:
                return False
            raise OSError(code, os.strerror(code), str(path))
    finally:
        os.close(fd)
    return True


class LocalBlobStore:
    """Blobs as files under ``ROOT/ab/abcdef…`` (the first two hex digits fan out)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.tmp = root / "tmp"

    def create(self) -> None:
        """Create the folder layout (idempotent); called by ``gateway init``."""
        self.tmp.mkdir(parents=True, exist_ok=True)
        for i in range(256):
            (self.root / f"{i:02x}").mkdir(exist_ok=True)
        _fsync_dir(self.root)

    def path(self, sha256: str) -> Path:
        sha256 = _check_digest(sha256)
        return self.root / sha256[:2] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def open(self, sha256: str) -> BinaryIO:
        try:
            return self.path(sha256).open("rb")
        except FileNotFoundError:
            raise NotFound(f"blob {sha256} is not in the store") from None
        except OSError as exc:
            raise StorageError(f"cannot read blob {sha256}: {exc.strerror}") from exc

    def read(self, sha256: str) -> bytes:
        with self.open(sha256) as f:
            return f.read()

    def put(self, data: bytes) -> StoredBlob:
        return self.put_many([data])[0]

    def put_many(
        self, items: Iterable[bytes], sync_existing: bool = False, whole_fs: bool = False
    ) -> list[StoredBlob]:
        """Store several blobs; all are durable when this returns.

        A blob whose file already exists is not written again. Its writer may still be
        between rename and directory fsync (or have crashed there): with ``sync_existing``
        such files and their directories are fsync'd too, for callers that are about to
        delete the only other copy (the spooler).

        ``whole_fs``: make them durable with two syncfs(2) calls (before and after the
        renames) instead of one fsync per file and per directory, for a background mover
        of many blobs (the spooler): two system calls instead of hundreds of thread hops,
        at the price of also flushing whatever else is dirty on the filesystem. Where
        syncfs is missing, the fsyncs are used.
        """
        results: list[StoredBlob] = []
        pending: list[tuple[int, Path, Path]] = []  # (fd, temp path, final path)
        existing: list[tuple[int, Path]] = []  # (read-only fd, path): sync_existing
        seen: set[str] = set()
        try:
            for data in items:
                digest = hashlib.sha256(data).hexdigest()
                results.append(StoredBlob(digest, len(data)))
                if digest in seen:
                    continue
                seen.add(digest)
                final = self.path(digest)
                if final.exists():
                    if sync_existing:
                        with contextlib.suppress(FileNotFoundError):
                            existing.append((os.open(final, os.O_RDONLY), final))
                    continue
                fd, temp = tempfile.mkstemp(dir=self.tmp, prefix="in-")
                pending.append((fd, Path(temp), final))
                view = memoryview(data)
                while view:
                    written = os.write(fd, view[:CHUNK])
                    view = view[written:]
            if not (whole_fs and self._commit_syncfs(pending, existing)):
                self._commit(pending, existing)
        except OSError as exc:
            self._abandon(pending, existing)
            raise StorageError(f"cannot write to the blob store: {exc}") from exc
        return results

    def put_stream(self, stream: BinaryIO) -> StoredBlob:
        """Store a stream without holding it in memory."""
        digest = hashlib.sha256()
        size = 0
        pending: list[tuple[int, Path, Path]] = []
        try:
            fd, temp = tempfile.mkstemp(dir=self.tmp, prefix="in-")
            pending.append((fd, Path(temp), Path(temp)))
            while chunk := stream.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                view = memoryview(chunk)
                while view:
                    view = view[os.write(fd, view) :]
            final = self.path(digest.hexdigest())
            if final.exists():
                self._abandon(pending, [])
            else:
                pending[0] = (fd, Path(temp), final)
                self._commit(pending, [])
        except OSError as exc:
            self._abandon(pending, [])
            raise StorageError(f"cannot write to the blob store: {exc}") from exc
        return StoredBlob(digest.hexdigest(), size)

    def _commit(
        self, pending: list[tuple[int, Path, Path]], existing: list[tuple[int, Path]]
    ) -> None:
        # fsync every file before any rename: a final name must never point at partial data.
        # Then the renames, then each directory that gained a name (POSIX: only a directory
        # fsync makes the new name durable; ext4 happens to do it with the file's journal
        # commit, other filesystems do not, so it stays). Both rounds run concurrently.
        _fsync_all(os.fsync, [fd for fd, _, _ in pending] + [fd for fd, _ in existing])
        directories: dict[Path, None] = {}
        for fd, temp, final in pending:
            os.close(fd)
            os.replace(temp, final)
            directories[final.parent] = None
        pending.clear()
        for fd, final in existing:
            os.close(fd)
            directories[final.parent] = None
        existing.clear()
        _fsync_all(_fsync_dir, list(directories))

    def _commit_syncfs(
        self, pending: list[tuple[int, Path, Path]], existing: list[tuple[int, Path]]
    ) -> bool:
        """``_commit`` with one syncfs before the renames and one after; False: no syncfs."""
        if not (pending or existing):
            return True
        if not sync_filesystem(self.root):  # file data, and what other writers left unsynced
            return False
        for fd, temp, final in pending:
            os.close(fd)
            os.replace(temp, final)
        pending.clear()
        for fd, _ in existing:
            os.close(fd)
        existing.clear()
        if not sync_filesystem(self.root):  # the new names (it worked a moment ago)
            raise OSError(errno.ENOSYS, "syncfs became unavailable")  # pragma: no cover
        return True

    @staticmethod
    def _abandon(
        pending: list[tuple[int, Path, Path]], existing: list[tuple[int, Path]]
    ) -> None:
        for fd, temp, _ in pending:
            with contextlib.suppress(OSError):
                os.close(fd)
            temp.unlink(missing_ok=True)
        pending.clear()
        for fd, _ in existing:  # files that were there before: closed, never removed
            with contextlib.suppress(OSError):
                os.close(fd)
        existing.clear()

    def __iter__(self) -> Iterator[str]:
        for sub in sorted(self.root.iterdir()):
            if len(sub.name) == 2 and sub.is_dir():
                for blob in sorted(sub.iterdir()):
                    if len(blob.name) == 64:
                        yield blob.name
