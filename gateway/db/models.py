"""Database models (SQLAlchemy 2 typed declarative).

Queries live in service functions next to the stage that needs them, not here.
Organisations are a dimension of every table that holds documents or messages.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC timestamps on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        assert isinstance(value, dt.datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


intpk = Annotated[int, mapped_column(Integer, primary_key=True, autoincrement=True)]
sha256_hex = Annotated[str, mapped_column(String(64))]
timestamp = Annotated[dt.datetime, mapped_column(UTCDateTime())]

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


# Message states (CONTRACT: received/processing/processed/quarantined/failed).
RECEIVED = "received"
PROCESSING = "processing"
PROCESSED = "processed"
QUARANTINED = "quarantined"
FAILED = "failed"
MESSAGE_STATES = (RECEIVED, PROCESSING, PROCESSED, QUARANTINED, FAILED)


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[intpk]
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    system: Mapped[str] = mapped_column(String(8))
    timezone: Mapped[str] = mapped_column(String(64))


class Mailbox(Base):
    __tablename__ = "mailboxes"

    id: Mapped[intpk]
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    address: Mapped[str] = mapped_column(String(320), unique=True)


class Blob(Base):
    """A stored byte string, addressed by its SHA-256 (the file lives in the blob store)."""

    __tablename__ = "blobs"

    sha256: Mapped[sha256_hex] = mapped_column(primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[timestamp]


class RawSpool(Base):
    """Raw bytes of a blob committed with the intake transaction, not yet in the blob store.

    Intake writes small messages here in the same transaction as their rows (one flush); the
    spooler (gateway.archive.spool) copies them into the blob store durably, then deletes the
    row. A blob row's bytes are always in the blob store, here, or both.
    """

    __tablename__ = "raw_spool"

    sha256: Mapped[sha256_hex] = mapped_column(ForeignKey("blobs.sha256"), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[timestamp]


class InboundMessage(Base):
    """One received message of one organisation, however many times it was delivered."""

    __tablename__ = "inbound_messages"
    __table_args__ = (
        UniqueConstraint("organisation_id", "dedupe_key"),
        Index("ix_inbound_messages_work", "state", "retry_at", "id"),
    )

    id: Mapped[intpk]
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    mailbox: Mapped[str] = mapped_column(String(320))
    source: Mapped[str] = mapped_column(String(16))  # smtp | imap | file
    # Message-ID + hash of the body, or the raw hash when there is no Message-ID: the same
    # message delivered again (SMTP retry, SMTP and IMAP, two recipients) maps to one row.
    dedupe_key: Mapped[str] = mapped_column(String(600))
    message_id: Mapped[str | None] = mapped_column(String(998))
    raw_sha256: Mapped[sha256_hex] = mapped_column(ForeignKey("blobs.sha256"))
    size: Mapped[int] = mapped_column(BigInteger)
    envelope_from: Mapped[str | None] = mapped_column(String(998))
    from_addr: Mapped[str | None] = mapped_column(String(998))
    subject: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[timestamp]
    state: Mapped[str] = mapped_column(String(16), default=RECEIVED)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    retry_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    processed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    deliveries: Mapped[list[Delivery]] = relationship(back_populates="message")
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="message", order_by="Attachment.index"
    )


class Delivery(Base):
    """Each time a message reached us: SMTP transaction, IMAP UID or imported file."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("imap_account", "imap_folder", "imap_uidvalidity", "imap_uid"),
    )

    id: Mapped[intpk]
    message_id: Mapped[int] = mapped_column(ForeignKey("inbound_messages.id"), index=True)
    source: Mapped[str] = mapped_column(String(16))
    mailbox: Mapped[str] = mapped_column(String(320))
    received_at: Mapped[timestamp]
    raw_sha256: Mapped[sha256_hex] = mapped_column(ForeignKey("blobs.sha256"))
    peer: Mapped[str | None] = mapped_column(String(255))
    imap_account: Mapped[str | None] = mapped_column(String(255))
    imap_folder: Mapped[str | None] = mapped_column(String(255))
    imap_uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    imap_uid: Mapped[int | None] = mapped_column(BigInteger)

    message: Mapped[InboundMessage] = relationship(back_populates="deliveries")


class ImapFolderState(Base):
    """How far an IMAP folder has been stored: committed with the messages it covers."""

    __tablename__ = "imap_folders"
    __table_args__ = (UniqueConstraint("account", "folder"),)

    id: Mapped[intpk]
    account: Mapped[str] = mapped_column(String(255))
    folder: Mapped[str] = mapped_column(String(255))
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    highest_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[timestamp]


class Attachment(Base):
    """One MIME leaf (or archive member) of a message, stored as a blob."""

    __tablename__ = "attachments"
    __table_args__ = (UniqueConstraint("message_id", "index"),)

    id: Mapped[intpk]
    message_id: Mapped[int] = mapped_column(ForeignKey("inbound_messages.id"))
    index: Mapped[int] = mapped_column(Integer)
    name: Mapped[str | None] = mapped_column(String(1024))  # CONTAINER/INNER for nested parts
    declared_type: Mapped[str] = mapped_column(String(255))
    detected_type: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[sha256_hex] = mapped_column(ForeignKey("blobs.sha256"))
    disposition: Mapped[str | None] = mapped_column(String(32))
    is_document: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str | None] = mapped_column(Text)  # why it is, or is not, a document
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    role: Mapped[str | None] = mapped_column(String(16))  # main/appendix/alternate/...

    message: Mapped[InboundMessage] = relationship(back_populates="attachments")


class RegisterBook(Base):
    """A register book (sổ đăng ký) of an organisation: incoming or outgoing."""

    __tablename__ = "register_books"
    __table_args__ = (UniqueConstraint("organisation_id", "code"),)

    id: Mapped[intpk]
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    code: Mapped[str] = mapped_column(String(32))
    direction: Mapped[str] = mapped_column(String(3))  # in | out
    name: Mapped[str] = mapped_column(String(255))


class RegisterCounter(Base):
    """Last number given in a book for a year; bumped in the registering transaction."""

    __tablename__ = "register_counters"

    book_id: Mapped[int] = mapped_column(ForeignKey("register_books.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class Document(Base):
    """A registered document: an entry in a register book."""

    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("book_id", "year", "number"),
        UniqueConstraint("message_id", "message_position"),
    )

    id: Mapped[intpk]
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    book_id: Mapped[int] = mapped_column(ForeignKey("register_books.id"))
    direction: Mapped[str] = mapped_column(String(3))
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int | None] = mapped_column(Integer)  # None: a duplicate, not numbered
    registered_at: Mapped[timestamp]
    message_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_messages.id"))
    message_position: Mapped[int] = mapped_column(Integer, default=0)
    doc_type: Mapped[str | None] = mapped_column(String(16))
    doc_type_name: Mapped[str | None] = mapped_column(String(128))
    system: Mapped[str | None] = mapped_column(String(8))
    number_symbol: Mapped[str | None] = mapped_column(String(255), index=True)
    issuer: Mapped[str | None] = mapped_column(String(512))
    issued_date: Mapped[dt.date | None] = mapped_column(Date)
    summary: Mapped[str | None] = mapped_column(Text)
    urgency: Mapped[str | None] = mapped_column(String(16))
    secrecy: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="registered")
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    trust: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Fields a clerk corrected by hand: reprocessing never overwrites them.
    corrected: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Retention period (thời hạn bảo quản) from rules/retention.toml: "permanent" or years.
    retention: Mapped[str | None] = mapped_column(String(16))


class Event(Base):
    """Append-only, hash-chained log of everything that happened (the audit trail)."""

    __tablename__ = "events"

    id: Mapped[intpk]
    at: Mapped[timestamp]
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    kind: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int | None] = mapped_column(BigInteger)
    actor: Mapped[str] = mapped_column(String(128), default="gateway")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[sha256_hex]
    hash: Mapped[sha256_hex]

    __table_args__ = (Index("ix_events_subject", "subject_type", "subject_id"),)


class EventChainHead(Base):
    """The single row that orders the event chain (locked by each appending transaction)."""

    __tablename__ = "event_chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_event_id: Mapped[int] = mapped_column(BigInteger, default=0)
    last_hash: Mapped[sha256_hex] = mapped_column(server_default=text("'" + "0" * 64 + "'"))


# -- outgoing -------------------------------------------------------------------------

# Outbound mail states: queued -> sending -> sent, or failed (permanent, answer kept).
QUEUED = "queued"
SENDING = "sending"
SENT = "sent"
OUTBOX_STATES = (QUEUED, SENDING, SENT, FAILED)


class OutboundMail(Base):
    """One mail to send (reply, acknowledgement, notice, reminder), its exact bytes fixed.

    The raw bytes (signed where signing applies) and the Message-ID are fixed when the mail is
    queued, before the first attempt, so a resend after a crash is the same mail.
    ``dedupe_key`` makes "send this once" a database constraint (e.g. one reminder per
    assignment, stage and day, however many processes run the reminder pass).
    """

    __tablename__ = "outbound_mail"

    id: Mapped[intpk]
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    kind: Mapped[str] = mapped_column(String(16))  # reply | ack | notice | reminder | return
    message_id: Mapped[str] = mapped_column(String(998), unique=True)
    dedupe_key: Mapped[str | None] = mapped_column(String(255), unique=True)
    mail_from: Mapped[str] = mapped_column(String(320))
    rcpt_to: Mapped[list[Any]] = mapped_column(JSON)
    subject: Mapped[str | None] = mapped_column(Text)
    raw_sha256: Mapped[sha256_hex] = mapped_column(ForeignKey("blobs.sha256"))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    state: Mapped[str] = mapped_column(String(16), default=QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_answer: Mapped[str | None] = mapped_column(Text)
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[timestamp]
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_outbound_mail_due", "state", "next_attempt_at"),)


class DocumentFile(Base):
    """A file of an outgoing document (inbound files are Attachments of their message).

    ``sha256`` is the file as sent: for a signed PDF, the signed bytes; ``source_sha256`` is
    the file the handler gave, before signing.
    """

    __tablename__ = "document_files"
    __table_args__ = (UniqueConstraint("document_id", "index"),)

    id: Mapped[intpk]
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    index: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(1024))
    mime: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[sha256_hex] = mapped_column(ForeignKey("blobs.sha256"))
    source_sha256: Mapped[sha256_hex] = mapped_column(ForeignKey("blobs.sha256"))
    role: Mapped[str] = mapped_column(String(16))  # main | appendix | ...
    signed: Mapped[bool] = mapped_column(Boolean, default=False)


# -- routing --------------------------------------------------------------------------

# Assignment roles and states (CONTRACT: lead/cooperate/inform; open -> in_progress -> done).
ASSIGNMENT_ROLES = ("lead", "cooperate", "inform")
ASSIGNMENT_STATES = ("open", "in_progress", "done")


class Assignment(Base):
    """Who handles a registered document, in which role and by when (phân công xử lý).

    The document's status follows its lead assignment; every change is also an audit event.
    One row per document and assignee: a reassignment replaces the rows (history in the log).
    """

    __tablename__ = "assignments"
    __table_args__ = (
        UniqueConstraint("document_id", "assignee"),
        Index("ix_assignments_open", "status", "deadline"),
        # Ids are never reused (reminder and notice dedupe keys name them): AUTOINCREMENT.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[intpk]
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    assignee: Mapped[str] = mapped_column(String(64))  # unit or person code (rules/directory)
    role: Mapped[str] = mapped_column(String(16))
    deadline: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")
    rule: Mapped[str | None] = mapped_column(String(64))  # rule id, or None when by hand
    created_at: Mapped[timestamp]
    updated_at: Mapped[timestamp]
