"""The pipeline, as two explicit tables of steps (the one place that says what runs, in order).

PREPARE steps work from the raw bytes, the rules and the directory alone: no database, so they
can run again any number of times. RECORD steps write the outcome into the database inside the
message's one transaction, together with its new state; a crash before that commit leaves no
trace but orphan blobs (content-addressed, harmless). Each step is a plain function with a
short name; ``Work`` is the typed state passed along (never a free-form dict).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from gateway.archive import retention
from gateway.archive.blobstore import LocalBlobStore
from gateway.archive.search.entry import MAX_BODY
from gateway.config import OrganisationConfig, Settings
from gateway.db.models import Document, InboundMessage
from gateway.errors import GatewayError
from gateway.pipeline.catalogue import cached_catalogue
from gateway.pipeline.documents import find_documents
from gateway.pipeline.message import Findings, ParsedMessage
from gateway.pipeline.parse import parse_message
from gateway.pipeline.register import register_documents
from gateway.pipeline.text.extract import later_pages
from gateway.pipeline.trust import assess_trust
from gateway.routing.step import choose_books, route_message


@dataclass
class Work:
    """One message on its way through the pipeline."""

    settings: Settings
    blobs: LocalBlobStore
    org: OrganisationConfig
    raw: bytes
    parsed_: ParsedMessage | None = None
    findings_: Findings | None = None
    documents: list[Document] = field(default_factory=list)
    trust: dict[str, Any] = field(default_factory=dict)  # set by the assess step

    @property
    def parsed(self) -> ParsedMessage:
        assert self.parsed_ is not None, "the parse step runs first"
        return self.parsed_

    @property
    def findings(self) -> Findings:
        assert self.findings_ is not None, "the classify step runs before"
        return self.findings_


# -- PREPARE: no database ---------------------------------------------------------------


def parse(work: Work) -> None:
    """Raw bytes -> ParsedMessage (every part, decoded names, real types)."""
    work.parsed_ = parse_message(
        work.raw,
        max_depth=work.settings.pipeline.max_depth,
        max_parts=work.settings.pipeline.max_parts,
    )


def classify(work: Work) -> None:
    """ParsedMessage -> Findings: which parts are documents, and what each says."""
    catalogue = cached_catalogue(work.settings.path(work.settings.rules.dir))
    work.findings_ = find_documents(work.parsed, catalogue)


def read_text(work: Work) -> None:
    """The pages classification skipped, so that routing and search see the whole document."""
    parts = {part.index: part for part in work.parsed.attachments}
    for found in work.findings.documents:
        main = next((f for f in found.files if f.role == "main"), None)
        part = parts.get(main.part_index) if main else None
        if found.text_from_page is None or part is None:
            continue
        rest = later_pages(part, found.text_from_page, MAX_BODY - len(found.text))
        found.text = f"{found.text}\n{rest}" if rest else found.text
        found.text_from_page = None


def store_parts(work: Work) -> None:
    """Every attachment into the blob store, durable before the transaction refers to it."""
    work.blobs.put_many(part.data for part in work.parsed.attachments)


# -- RECORD: inside the message's transaction ---------------------------------------------


def register(work: Work, session: Session, message: InboundMessage) -> None:
    """Register the documents found, each in the book its rules choose (numbers, duplicates)."""
    if work.findings.quarantine is None:
        books = choose_books(work.settings, work.org, message, work.findings, work.parsed,
                             work.trust.get("level"))  # fmt: skip
        work.documents = register_documents(
            session, message, work.org, work.parsed, work.findings, books
        )


def assign_retention(work: Work, session: Session, message: InboundMessage) -> None:
    """Each registered document gets its retention period from rules/retention.toml."""
    rules = retention.cached(work.settings.path(work.settings.rules.dir))
    retention.assign(session, rules, work.documents)


# -- trust (issue 6): signatures and sender authentication, recorded on each document -------


def assess(work: Work) -> None:
    """Verify S/MIME and PDF signatures and the server's Authentication-Results."""
    work.trust = assess_trust(work.parsed, work.org, work.raw, work.settings)


def record_trust(work: Work, session: Session, message: InboundMessage) -> None:
    """Store the message's trust record on each of its documents."""
    for document in work.documents:
        document.trust = work.trust


# -- routing (issue 5): who handles each new document; the sender's acknowledgement ----------


def route(work: Work, session: Session, message: InboundMessage) -> None:
    """Route the new registrations (assignments, notices) and acknowledge them to the sender."""
    if work.documents:
        route_message(session, work.blobs, work.settings, work.org, message, work.parsed,
                      work.findings, work.documents)  # fmt: skip


def read_eml(settings: Settings, path: Path) -> tuple[ParsedMessage, Findings]:
    """Parse and classify a message file exactly as the pipeline would, storing nothing.

    The dry runs (`gateway classify`, `gateway rules test`) use this, so that what they show
    is what registration would do.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise GatewayError(f"cannot read {path}: {exc.strerror or exc}; give an .eml file") from exc
    work = Work(settings, LocalBlobStore(settings.data_root / "blobs"), settings.organisations[0],
                raw)  # fmt: skip
    parse(work)
    classify(work)
    read_text(work)
    return work.parsed, work.findings


PrepareStep = Callable[[Work], None]
RecordStep = Callable[[Work, Session, InboundMessage], None]

PREPARE: tuple[PrepareStep, ...] = (parse, classify, read_text, assess, store_parts)
RECORD: tuple[RecordStep, ...] = (register, record_trust, assign_retention, route)
