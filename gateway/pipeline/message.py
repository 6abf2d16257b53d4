"""The typed state a message carries through the pipeline (never a free-form dict)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass
class Part:
    """One leaf of the MIME tree (or a member of an opened archive)."""

    index: int
    name: str | None  # decoded, NFC, sanitised; "CONTAINER/INNER" inside attached messages
    declared_type: str  # Content-Type as the sender declared it
    detected_type: str  # what libmagic says the bytes are
    disposition: str | None  # "inline", "attachment" or None
    content_id: str | None  # without angle brackets
    data: bytes
    sha256: str
    container: str | None = None  # name of the attached message / archive it came from
    depth: int = 0  # 0 = the message itself, 1 = inside an attached message, ...
    is_body: bool = False  # a text/plain or text/html body of some message level
    is_container: bool = False  # an attached message (its inner parts follow it)
    referenced_by_html: bool = False  # an HTML body shows it (cid:), so it is decoration

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass
class ParsedMessage:
    """What parsing found: headers, bodies and every part, plus the parser's complaints."""

    message_id: str | None
    subject: str
    from_addr: str | None
    from_name: str | None
    to: list[str]
    date: dt.datetime | None
    in_reply_to: str | None
    auto_submitted: str | None
    headers: dict[str, str]  # selected headers, decoded (first occurrence)
    text_body: str  # plain-text bodies of every level, joined
    html_body: str
    parts: list[Part] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)
    # Set when the message cannot be handled at all: the message is quarantined with it.
    unreadable: str | None = None

    @property
    def attachments(self) -> list[Part]:
        return [p for p in self.parts if not p.is_body]


@dataclass
class FoundFile:
    part_index: int
    role: str  # main | appendix | alternate | signature | other


@dataclass
class FoundDocument:
    """One document to register, with the fields read and where each came from."""

    files: list[FoundFile]
    doc_type: str | None = None
    doc_type_name: str | None = None
    system: str | None = None
    number: int | None = None
    number_symbol: str | None = None
    issuer: str | None = None
    issued_date: dt.date | None = None
    summary: str | None = None
    urgency: str | None = None
    secrecy: str | None = None
    evidence: dict[str, str] = field(default_factory=dict)
    # The document's extracted text (main file), for routing and the search index.
    text: str = ""
    # PDF pages of the main file not in ``text`` yet, from this 0-based page on (None: all in).
    text_from_page: int | None = None


@dataclass
class Findings:
    """The outcome of looking for documents in one message."""

    documents: list[FoundDocument] = field(default_factory=list)
    not_documents: dict[int, str] = field(default_factory=dict)  # part index -> reason
    quarantine: str | None = None  # reason to set the whole message aside for the clerk
    note: str | None = None  # e.g. why a message has no document
    sender_org: str | None = None  # the sending body, from the organisations directory
    sender_org_code: str | None = None  # its mã định danh, where known
