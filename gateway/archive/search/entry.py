"""What the index holds for one document, and the table that keeps it on both backends.

``search_entries`` keeps the indexed text as written (for snippets and re-indexing) and the
keys the filters compare. It is created by migrations 0002_search and 0007_search_speed, not
by the models: on PostgreSQL it also has the tsvector columns, and SQLite pairs it with the
FTS5 tables.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Column, Date, Integer, MetaData, String, Table, Text, delete, insert, select
from sqlalchemy.orm import Session

from gateway.archive.search.fold import key, nfc, number_key
from gateway.db.models import Attachment, Document, InboundMessage, Organisation

# Extracted text beyond this is not indexed (PostgreSQL caps a tsvector at 1 MB, and the
# head of a document is where people's words are).
MAX_BODY = 200_000

search_entries = Table(
    "search_entries",
    MetaData(),
    Column("document_id", Integer, primary_key=True),
    Column("number_key", String(255)),
    Column("issuer_key", Text),
    Column("type_key", String(32)),
    Column("doc_date", Date),
    Column("head", Text),  # number-symbol, type, summary, issuer
    Column("meta", Text),  # sender, subject, file names
    Column("body", Text),  # extracted text
)


@dataclass(frozen=True)
class IndexEntry:
    document_id: int
    head: str
    meta: str
    body: str
    number_key: str | None
    issuer_key: str | None
    type_key: str | None
    doc_date: dt.date | None

    def values(self) -> dict[str, object]:
        return {
            "document_id": self.document_id,
            "number_key": self.number_key,
            "issuer_key": self.issuer_key,
            "type_key": self.type_key,
            "doc_date": self.doc_date,
            "head": self.head,
            "meta": self.meta,
            "body": self.body,
        }


def _lines(*values: str | None) -> str:
    return nfc("\n".join(v for v in values if v))


def build_entry(session: Session, document: Document, text: str | None) -> IndexEntry:
    """Gather what is searchable about a document; ``text=None`` keeps the indexed body."""
    texts = {document.id: text} if text is not None else {}
    return build_entries(session, [document], texts)[0]


def build_entries(
    session: Session, documents: Sequence[Document], texts: Mapping[int, str]
) -> list[IndexEntry]:
    """What is searchable about each document, read in one query per table; a document
    missing from ``texts`` keeps the body already indexed for it (none if never indexed)."""
    ids = [d.id for d in documents]
    messages = _messages(session, {d.message_id for d in documents if d.message_id})
    names = _file_names(session, ids)
    bodies = _bodies(session, [i for i in ids if i not in texts])
    zones = {row.id: ZoneInfo(row.timezone) for row in session.execute(
        select(Organisation.id, Organisation.timezone))}  # fmt: skip
    entries = []
    for document in documents:
        message = messages.get(document.message_id) if document.message_id else None
        received = message.received_at if message else document.registered_at
        text = texts[document.id] if document.id in texts else bodies.get(document.id)
        entries.append(IndexEntry(
            document_id=document.id,
            head=_lines(document.number_symbol, document.doc_type_name, document.summary,
                        document.issuer),
            meta=_lines(message.from_addr if message else None,
                        message.subject if message else None, *names.get(document.id, [])),
            body=nfc((text or "")[:MAX_BODY]),
            number_key=(number_key(document.number_symbol)[:255]
                        if document.number_symbol else None),
            issuer_key=key(document.issuer) if document.issuer else None,
            type_key=key(document.doc_type)[:32] if document.doc_type else None,
            doc_date=(document.issued_date
                      or received.astimezone(zones[document.organisation_id]).date()),
        ))  # fmt: skip
    return entries


def _messages(session: Session, ids: set[int]) -> dict[int, Any]:
    """Sender, subject and receipt time of each message (not its raw bytes)."""
    columns = (InboundMessage.id, InboundMessage.from_addr, InboundMessage.subject,
               InboundMessage.received_at)  # fmt: skip
    return {row.id: row for row in session.execute(
        select(*columns).where(InboundMessage.id.in_(ids)))}  # fmt: skip


def _file_names(session: Session, ids: list[int]) -> dict[int, list[str]]:
    names: dict[int, list[str]] = {}
    for row in session.execute(
        select(Attachment.document_id, Attachment.name)
        .where(Attachment.document_id.in_(ids), Attachment.name.is_not(None))
        .order_by(Attachment.document_id, Attachment.index)
    ):
        names.setdefault(row.document_id, []).append(row.name)
    return names


def _bodies(session: Session, ids: list[int]) -> dict[int, str]:
    """The extracted text already indexed: it is kept nowhere else."""
    return {row.document_id: row.body for row in session.execute(
        select(search_entries.c.document_id, search_entries.c.body)
        .where(search_entries.c.document_id.in_(ids)))}  # fmt: skip


def load_entries(session: Session, ids: Iterable[int]) -> dict[int, IndexEntry]:
    """The indexed entries of these documents (those that have one), in one query."""
    rows = session.execute(
        select(search_entries).where(search_entries.c.document_id.in_(list(ids)))
    )
    return {row.document_id: IndexEntry(**row._asdict()) for row in rows}


def load_entry(session: Session, document_id: int) -> IndexEntry | None:
    row = session.execute(
        select(search_entries).where(search_entries.c.document_id == document_id)
    ).one_or_none()
    return IndexEntry(**row._asdict()) if row is not None else None


def save_entry(session: Session, entry: IndexEntry) -> None:
    session.execute(delete(search_entries).where(search_entries.c.document_id == entry.document_id))
    session.execute(insert(search_entries).values(entry.values()))
