"""Look-ups over the archive: messages and documents, as CONTRACT's JSON shapes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from gateway.db.models import (
    Assignment,
    Attachment,
    Document,
    DocumentFile,
    InboundMessage,
    Organisation,
    RegisterBook,
)
from gateway.errors import NotFound

M = TypeVar("M", Organisation, RegisterBook, InboundMessage)


def iso(value: dt.datetime | None, zone: ZoneInfo | None = None) -> str | None:
    if value is None:
        return None
    return value.astimezone(zone or dt.UTC).isoformat(timespec="seconds")


def message_json(message: InboundMessage, zone: ZoneInfo | None = None) -> dict[str, Any]:
    return {
        "id": message.id,
        "state": message.state,
        "source": message.source,
        "mailbox": message.mailbox,
        "message_id": message.message_id,
        "from": message.from_addr,
        "subject": message.subject,
        "received_at": iso(message.received_at, zone),
        "raw_sha256": message.raw_sha256,
        "error": message.error,
    }


def list_messages(
    session: Session, state: str | None = None, limit: int | None = None
) -> list[dict[str, Any]]:
    query = select(InboundMessage).order_by(InboundMessage.id)
    if state:
        query = query.where(InboundMessage.state == state)
    if limit:
        query = query.limit(limit)
    return [message_json(m) for m in session.scalars(query)]


def get_message(session: Session, message_id: int) -> InboundMessage:
    message = session.get(InboundMessage, message_id)
    if message is None:
        raise NotFound(f"no message with id {message_id}")
    return message


def message_detail(session: Session, message: InboundMessage) -> dict[str, Any]:
    detail = message_json(message)
    detail["attempts"] = message.attempts
    detail["retry_at"] = iso(message.retry_at)
    detail["deliveries"] = [
        {
            "source": d.source,
            "mailbox": d.mailbox,
            "received_at": iso(d.received_at),
            "peer": d.peer,
            "imap": (
                {"account": d.imap_account, "folder": d.imap_folder,
                 "uidvalidity": d.imap_uidvalidity, "uid": d.imap_uid}
                if d.imap_uid is not None else None
            ),
        }
        for d in message.deliveries
    ]  # fmt: skip
    detail["attachments"] = [
        {
            "index": a.index,
            "name": a.name,
            "declared_type": a.declared_type,
            "detected_type": a.detected_type,
            "size": a.size,
            "sha256": a.sha256,
            "document_id": a.document_id,
            "role": a.role,
            "reason": a.reason,
        }
        for a in message.attachments
    ]
    detail["documents"] = list(
        session.scalars(
            select(Document.id).where(Document.message_id == message.id).order_by(Document.id)
        )
    )
    return detail


def document_json(session: Session, document: Document) -> dict[str, Any]:
    return documents_json(session, [document])[0]


def documents_json(session: Session, documents: Sequence[Document]) -> list[dict[str, Any]]:
    """CONTRACT's document JSON for each document, read in one query per table (a search
    page or a register listing would otherwise cost five queries a document)."""
    orgs = _by_id(session, Organisation, {d.organisation_id for d in documents})
    books = _by_id(session, RegisterBook, {d.book_id for d in documents})
    messages = _by_id(session, InboundMessage, {d.message_id for d in documents if d.message_id})
    return _with_files_and_assignments(session, [
        (d, orgs[d.organisation_id], books[d.book_id],
         messages.get(d.message_id) if d.message_id else None)
        for d in documents
    ])  # fmt: skip


def documents_json_by_id(session: Session, ids: Sequence[int]) -> list[dict[str, Any]]:
    """``documents_json`` for document ids, in their order: the document with its
    organisation, book and message in one joined query (a search page's round trips count)."""
    rows = session.execute(
        select(Document, Organisation, RegisterBook, InboundMessage)
        .join(Organisation, Organisation.id == Document.organisation_id)
        .join(RegisterBook, RegisterBook.id == Document.book_id)
        .outerjoin(InboundMessage, InboundMessage.id == Document.message_id)
        .where(Document.id.in_(ids))
    )
    found: dict[int, Loaded] = {row[0].id: (row[0], row[1], row[2], row[3]) for row in rows}
    return _with_files_and_assignments(session, [found[i] for i in ids if i in found])


Loaded = tuple[Document, Organisation, RegisterBook, InboundMessage | None]


def _with_files_and_assignments(session: Session, loaded: list[Loaded]) -> list[dict[str, Any]]:
    ids = [document.id for document, *_ in loaded]
    outgoing = [document.id for document, *_ in loaded if document.direction == "out"]
    files = _files(session, outgoing, ids)
    assignments = _assignments(session, ids)
    return [_document_json(d, org, book, message, files.get(d.id, []), assignments.get(d.id, []))
            for d, org, book, message in loaded]  # fmt: skip


def _by_id(session: Session, model: type[M], ids: set[int]) -> dict[int, M]:
    if not ids:
        return {}
    return {row.id: row for row in session.scalars(select(model).where(model.id.in_(ids)))}


def _document_json(
    document: Document,
    org: Organisation,
    book: RegisterBook,
    message: InboundMessage | None,
    files: list[dict[str, Any]],
    assignments: list[dict[str, Any]],
) -> dict[str, Any]:
    zone = ZoneInfo(org.timezone)
    trust = document.trust or {}
    return {
        "id": document.id,
        "org": org.code,
        "direction": document.direction,
        "book": book.code,
        "year": document.year,
        "number": document.number,
        "registered_at": iso(document.registered_at, zone),
        "doc_type": document.doc_type,
        "doc_type_name": document.doc_type_name,
        "system": document.system,
        "number_symbol": document.number_symbol,
        "issuer": document.issuer,
        "issued_date": document.issued_date.isoformat() if document.issued_date else None,
        "summary": document.summary,
        "urgency": document.urgency,
        "secrecy": document.secrecy,
        "status": document.status,
        "duplicate_of": document.duplicate_of,
        "message": (
            {
                "id": message.id,
                "message_id": message.message_id,
                "from": message.from_addr,
                "subject": message.subject,
                "received_at": iso(message.received_at, zone),
                "raw_sha256": message.raw_sha256,
            }
            if message
            else None
        ),
        "files": files,
        "assignments": assignments,
        "trust": {"level": trust.get("level", "unverified"), "checks": trust.get("checks", [])},
        "evidence": document.evidence,
        "corrections": document.corrected or {},
    }


def _files(
    session: Session, outgoing: list[int], ids: list[int]
) -> dict[int, list[dict[str, Any]]]:
    """Inbound files are attachments of the message; outgoing ones are the files as sent."""
    files: dict[int, list[dict[str, Any]]] = {}
    sent = session.scalars(
        select(DocumentFile)
        .where(DocumentFile.document_id.in_(outgoing))
        .order_by(DocumentFile.document_id, DocumentFile.index)
    ) if outgoing else ()
    for f in sent:
        files.setdefault(f.document_id, []).append(
            {"name": f.name, "sha256": f.sha256, "size": f.size, "mime": f.mime, "role": f.role,
             "signed": f.signed}
        )  # fmt: skip
    inbound = sorted(set(ids) - set(outgoing))
    received = session.scalars(
        select(Attachment)
        .where(Attachment.document_id.in_(inbound))
        .order_by(Attachment.document_id, Attachment.index)
    ) if inbound else ()
    for a in received:
        assert a.document_id is not None
        files.setdefault(a.document_id, []).append(
            {"name": a.name, "sha256": a.sha256, "size": a.size, "mime": a.detected_type,
             "role": a.role}
        )  # fmt: skip
    return files


def _assignments(session: Session, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """CONTRACT's shape, lead first: {"assignee", "role", "deadline", "status", "rule"}."""
    order = {"lead": 0, "cooperate": 1, "inform": 2}
    if not ids:
        return {}
    rows = session.scalars(select(Assignment).where(Assignment.document_id.in_(ids)))
    found: dict[int, list[dict[str, Any]]] = {}
    for a in sorted(rows, key=lambda a: (order.get(a.role, 9), a.id)):
        found.setdefault(a.document_id, []).append(
            {"assignee": a.assignee, "role": a.role,
             "deadline": a.deadline.isoformat() if a.deadline else None,
             "status": a.status, "rule": a.rule}
        )  # fmt: skip
    return found


def documents_query(
    *,
    direction: str | None = None,
    year: int | None = None,
    org: str | None = None,
    status: str | None = None,
) -> Select[Document]:
    query = select(Document).order_by(Document.id)
    if direction:
        query = query.where(Document.direction == direction)
    if year:
        query = query.where(Document.year == year)
    if status:
        query = query.where(Document.status == status)
    if org:
        query = query.join(Organisation, Organisation.id == Document.organisation_id).where(
            Organisation.code == org
        )
    return query


def get_document(session: Session, document_id: int) -> Document:
    document = session.get(Document, document_id)
    if document is None:
        raise NotFound(f"no document with id {document_id}")
    return document
