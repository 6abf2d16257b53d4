"""`gateway verify`: prove that nothing in the archive was altered, or name what was.

Checks, each naming every mismatch it finds:
  blobs        every stored blob re-hashed: it must exist and hash to its name and size
  messages     each message's raw bytes are a stored blob of the recorded size
  attachments  each attachment's bytes are a stored blob of the recorded size
  events       the hash chain (gateway.archive.events.verify_chain)
  documents    each register entry agrees with the event that registered it (book, year,
               number, message, raw hash, files), and every entry has such an event
Blob files that no row names are not mismatches (a crash between storing and committing
leaves them) and are only counted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.archive import events
from gateway.archive.blobstore import CHUNK, LocalBlobStore
from gateway.archive.spool import open_raw
from gateway.db.models import Attachment, Blob, Document, Event, InboundMessage, RegisterBook
from gateway.errors import GatewayError
from gateway.outgoing.signing.stored import check_signatures

REGISTERED = ("document.registered", "document.duplicate")


@dataclass(frozen=True)
class Problem:
    kind: str  # blob | message | attachment | event | document
    id: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind} {self.id}: {self.detail}"


@dataclass
class Report:
    checked: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    unreferenced_blobs: int = 0

    def add(self, kind: str, id_: object, detail: str) -> None:
        self.problems.append(Problem(kind, str(id_), detail))

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "unreferenced_blobs": self.unreferenced_blobs,
            "problems": [{"kind": p.kind, "id": p.id, "detail": p.detail} for p in self.problems],
        }


def _digest(session: Session, blobs: LocalBlobStore, sha256: str) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    # A raw message not yet moved out of the raw spool is hashed from its spooled copy.
    with open_raw(session, blobs, sha256) as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def check_blobs(
    session: Session, blobs: LocalBlobStore, report: Report, tick: Callable[[], None]
) -> dict[str, int | None]:
    """Re-hash every blob row's file; returns sha256 -> actual size (None when unusable)."""
    actual: dict[str, int | None] = {}
    for blob in session.scalars(select(Blob).order_by(Blob.sha256)).yield_per(1000):
        tick()
        try:
            digest, size = _digest(session, blobs, blob.sha256)
        except GatewayError as exc:
            report.add("blob", blob.sha256, f"unreadable or missing: {exc}")
            actual[blob.sha256] = None
            continue
        if digest != blob.sha256:
            report.add("blob", blob.sha256, f"content altered: it now hashes to {digest}")
            actual[blob.sha256] = None
        elif size != blob.size:
            report.add("blob", blob.sha256, f"size {size}, recorded {blob.size}")
            actual[blob.sha256] = size
        else:
            actual[blob.sha256] = size
    report.checked["blobs"] = len(actual)
    report.unreferenced_blobs = sum(1 for name in blobs if name not in actual)
    return actual


def _check_bytes(
    report: Report, kind: str, id_: int, sha256: str, size: int, actual: dict[str, int | None]
) -> None:
    if sha256 not in actual:
        report.add(kind, id_, f"its blob {sha256} has no row in the blob table")
    elif actual[sha256] is not None and actual[sha256] != size:
        report.add(kind, id_, f"size {size} recorded, its blob {sha256} has {actual[sha256]}")


def check_rows(session: Session, actual: dict[str, int | None], report: Report) -> None:
    messages = session.execute(
        select(InboundMessage.id, InboundMessage.raw_sha256, InboundMessage.size)
    ).all()
    for id_, sha256, size in messages:
        _check_bytes(report, "message", id_, sha256, size, actual)
    report.checked["messages"] = len(messages)
    parts = session.execute(select(Attachment.id, Attachment.sha256, Attachment.size)).all()
    for id_, sha256, size in parts:
        _check_bytes(report, "attachment", id_, sha256, size, actual)
    report.checked["attachments"] = len(parts)


def check_chain(session: Session, report: Report) -> None:
    for detail in events.verify_chain(session):
        report.problems.append(Problem("event", "chain", detail))
    report.checked["events"] = session.query(Event).count()


def check_documents(session: Session, report: Report) -> None:
    """Each register entry must be what its registration event says was registered."""
    registered: dict[int, Event] = {}
    for event in session.scalars(select(Event).where(Event.kind.in_(REGISTERED))):
        if event.subject_id is not None:
            registered.setdefault(int(event.subject_id), event)
    books = {b.id: b.code for b in session.scalars(select(RegisterBook))}
    raw = {
        id_: sha256
        for id_, sha256 in session.execute(select(InboundMessage.id, InboundMessage.raw_sha256))
    }
    files: dict[int, set[str]] = {}
    linked = select(Attachment.document_id, Attachment.sha256).where(
        Attachment.document_id.is_not(None)
    )
    for doc_id, sha256 in session.execute(linked):
        if doc_id is not None:
            files.setdefault(doc_id, set()).add(sha256)
    count = 0
    for document in session.scalars(select(Document).order_by(Document.id)).yield_per(1000):
        count += 1
        found = registered.pop(document.id, None)
        if found is None:
            if document.message_id is not None:  # inbound entries are always registered
                report.add("document", document.id, "no registration event")
            continue
        event, data = found, found.data
        now = {
            "book": books.get(document.book_id), "year": document.year,
            "number": document.number, "duplicate_of": document.duplicate_of,
            "message": document.message_id,
            "raw_sha256": raw.get(document.message_id) if document.message_id else None,
        }  # fmt: skip
        for name, value in now.items():
            if name in data and data[name] != value:
                report.add("document", document.id,
                           f"{name} is {value!r}, event {event.id} registered {data[name]!r}")
        if "files" in data and set(data["files"]) != files.get(document.id, set()):
            report.add("document", document.id, f"files differ from event {event.id}'s")
    for doc_id, gone in registered.items():
        report.add("document", doc_id, f"registered by event {gone.id} but missing")
    report.checked["documents"] = count


def verify(
    session: Session, blobs: LocalBlobStore, tick: Callable[[], None] = lambda: None
) -> Report:
    """Run every check; the report lists each mismatch (empty when the archive is intact)."""
    report = Report()
    actual = check_blobs(session, blobs, report, tick)
    check_rows(session, actual, report)
    check_chain(session, report)
    check_documents(session, report)
    check_signatures(session, blobs, report)  # stored PDF and S/MIME signatures (issue 6)
    return report
