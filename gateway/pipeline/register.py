"""Pipeline step 3: register the documents found, in the message's one transaction.

Numbers (số đến) are taken in the same transaction that creates the entry, by bumping the
book's counter row for the year: concurrent registrations queue on that row lock and a
rolled-back registration gives its number back, so numbers run 1..N with no gap and no
duplicate whatever the concurrency. The register year is the year of receipt in the
organisation's time zone. A document already registered (same file, or same issuer +
number-symbol + date) is linked to the first registration and gets no number.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from gateway.archive import events, search
from gateway.config import OrganisationConfig
from gateway.db.models import (
    Attachment,
    Blob,
    Document,
    InboundMessage,
    RegisterBook,
    RegisterCounter,
    utcnow,
)
from gateway.pipeline.message import Findings, FoundDocument, ParsedMessage
from gateway.routing.engine import BookChoice

INCOMING_BOOK_NAME = "Sổ đăng ký văn bản đến"


def register_year(received_at: dt.datetime, org: OrganisationConfig) -> int:
    """The register year is the year of receipt in the organisation's time zone."""
    return received_at.astimezone(org.zone).year


def next_number(session: Session, book_id: int, year: int) -> int:
    """Take the next number of a book for a year (call inside the registering transaction)."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(RegisterCounter)
        .values(book_id=book_id, year=year, last_number=0)
        .on_conflict_do_nothing()
    )
    return session.execute(
        update(RegisterCounter)
        .where(RegisterCounter.book_id == book_id, RegisterCounter.year == year)
        .values(last_number=RegisterCounter.last_number + 1)
        .returning(RegisterCounter.last_number)
    ).scalar_one()


def book_for(
    session: Session, organisation_id: int, code: str, name: str = INCOMING_BOOK_NAME
) -> RegisterBook:
    """The organisation's incoming book ``code``, created with ``name`` on first use."""
    book = session.scalars(
        select(RegisterBook).where(
            RegisterBook.organisation_id == organisation_id, RegisterBook.code == code
        )
    ).one_or_none()
    if book is None:
        book = RegisterBook(
            organisation_id=organisation_id, code=code, direction="in", name=name
        )
        session.add(book)
        session.flush()
    return book


def _duplicate_of(
    session: Session, message: InboundMessage, found: FoundDocument, hashes: list[str]
) -> int | None:
    """The first registration of the same document in this organisation, if any."""
    if found.number_symbol and found.issuer and found.issued_date:
        first = session.scalar(
            select(Document.id)
            .where(
                Document.organisation_id == message.organisation_id,
                Document.direction == "in",
                Document.number_symbol == found.number_symbol,
                Document.issuer == found.issuer,
                Document.issued_date == found.issued_date,
                Document.duplicate_of.is_(None),
            )
            .order_by(Document.id)
            .limit(1)
        )
        if first is not None:
            return first
    if not hashes:
        return None
    return session.scalar(
        select(Document.id)
        .join(Attachment, Attachment.document_id == Document.id)
        .where(
            Document.organisation_id == message.organisation_id,
            Document.direction == "in",
            Document.duplicate_of.is_(None),
            Attachment.sha256.in_(hashes),
            Attachment.message_id != message.id,
        )
        .order_by(Document.id)
        .limit(1)
    )


def record_parts(
    session: Session, message: InboundMessage, parsed: ParsedMessage, findings: Findings
) -> dict[int, Attachment]:
    """Insert one Attachment row per non-body part (once: re-runs find them in place)."""
    existing = {
        a.index: a
        for a in session.scalars(select(Attachment).where(Attachment.message_id == message.id))
    }
    now = utcnow()
    new_parts = [part for part in parsed.attachments if part.index not in existing]
    for sha256, size in {(p.sha256, p.size) for p in new_parts}:
        if session.get(Blob, sha256) is None:
            session.add(Blob(sha256=sha256, size=size, created_at=now))
    session.flush()  # blob rows first: attachments refer to them
    for part in new_parts:
        attachment = Attachment(
            message_id=message.id,
            index=part.index,
            name=part.name,
            declared_type=part.declared_type[:255],
            detected_type=part.detected_type[:255],
            size=part.size,
            sha256=part.sha256,
            disposition=part.disposition,
            is_document=False,
            reason=findings.not_documents.get(part.index),
        )
        session.add(attachment)
        existing[part.index] = attachment
    session.flush()
    return existing


def register_documents(
    session: Session,
    message: InboundMessage,
    org: OrganisationConfig,
    parsed: ParsedMessage,
    findings: Findings,
    books: Sequence[BookChoice | None] = (),
) -> list[Document]:
    """Create the register entries for what was found; idempotent per message position.

    ``books`` holds, per document found, the book a routing rule chose (None or missing: the
    organisation's incoming book); each book numbers its entries on its own.
    """
    attachments = record_parts(session, message, parsed, findings)
    default_book = book_for(session, message.organisation_id, org.incoming_book)
    year = register_year(message.received_at, org)
    documents = []
    for position, found in enumerate(findings.documents):
        chosen = books[position] if position < len(books) else None
        book = (
            book_for(session, message.organisation_id, chosen.code, chosen.name)
            if chosen
            else default_book
        )
        document = session.scalars(
            select(Document).where(
                Document.message_id == message.id, Document.message_position == position
            )
        ).one_or_none()
        if document is not None:  # registered by an earlier run that committed
            documents.append(document)
            continue
        hashes = [
            attachments[f.part_index].sha256 for f in found.files if f.part_index in attachments
        ]
        duplicate_of = _duplicate_of(session, message, found, hashes)
        number = None if duplicate_of else next_number(session, book.id, year)
        document = Document(
            organisation_id=message.organisation_id,
            book_id=book.id,
            direction="in",
            year=year,
            number=number,
            registered_at=utcnow(),
            message_id=message.id,
            message_position=position,
            doc_type=found.doc_type,
            doc_type_name=found.doc_type_name,
            system=found.system,
            number_symbol=found.number_symbol,
            issuer=found.issuer,
            issued_date=found.issued_date,
            summary=found.summary,
            urgency=found.urgency,
            secrecy=found.secrecy,
            status="registered",
            duplicate_of=duplicate_of,
            evidence={**found.evidence, **({"book": chosen.why} if chosen else {})},
            trust={},
            corrected={},
        )
        session.add(document)
        session.flush()
        for file in found.files:
            attachment = attachments.get(file.part_index)
            if attachment is not None:
                attachment.document_id = document.id
                attachment.role = file.role
                attachment.is_document = True
                attachment.reason = None
        # Archive search: indexed in this transaction, with the text and the file names.
        search.index_document(session, document, found.text)
        events.record(
            session,
            "document.duplicate" if duplicate_of else "document.registered",
            "document",
            document.id,
            organisation_id=message.organisation_id,
            data={
                "book": book.code,
                "book_rule": chosen.rule if chosen else None,
                "year": year,
                "number": number,
                "duplicate_of": duplicate_of,
                "message": message.id,
                "raw_sha256": message.raw_sha256,
                "files": hashes,
            },
        )
        documents.append(document)
    return documents
