"""Reply to an incoming document: register it as outgoing, sign it, queue it, close the original.

``reply`` is the one function the CLI (and later the web UI) calls. In one transaction it
takes the outgoing number (numbering.py), signs every PDF (PAdES) and the whole mail (S/MIME),
stores the files as blobs, registers the outgoing document, queues the mail in the outbox
(its bytes and Message-ID fixed now), marks the incoming document's lead assignment done and
records the events. Either all of it happens or none: a failed signature leaves no number
used and no mail queued.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from typing import Any

import magic
from sqlalchemy.orm import Session

from gateway.archive import events, search
from gateway.archive.blobstore import LocalBlobStore
from gateway.config import OrganisationConfig, Settings
from gateway.db.engine import Database
from gateway.db.models import Blob, Document, DocumentFile, InboundMessage, Organisation, utcnow
from gateway.errors import ConfigError, GatewayError, NotFound
from gateway.outgoing.numbering import OutgoingNumber, take_number
from gateway.outgoing.outbox import enqueue
from gateway.outgoing.signing.keys import SigningKey, load_signing_key
from gateway.outgoing.signing.pades import sign_pdf
from gateway.outgoing.signing.smime import sign_mail
from gateway.pipeline.catalogue import cached_catalogue
from gateway.routing.assignments import assignments_of, set_status

PDF = "application/pdf"


@dataclass(frozen=True)
class ReplyFile:
    """A file the handler gives: its name and bytes (the type is detected)."""

    name: str
    data: bytes


@dataclass(frozen=True)
class ReplyResult:
    document_id: int
    book: str
    year: int
    number: int
    number_symbol: str
    outbound_id: int
    message_id: str
    recipients: list[str]
    signed: bool
    files: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip()


def _type_name(settings: Settings, org: OrganisationConfig, code: str) -> str:
    try:
        found = cached_catalogue(settings.path(settings.rules.dir)).doctype_for_abbreviation(
            code, org.system
        )
    except GatewayError:
        found = None
    return found.name if found else "Công văn" if code.upper() == "CV" else "Văn bản"


def _store(session: Session, blobs: LocalBlobStore, data: bytes) -> str:
    blob = blobs.put(data)  # durable before the row that points at it
    if session.get(Blob, blob.sha256) is None:
        session.add(Blob(sha256=blob.sha256, size=blob.size, created_at=utcnow()))
    return blob.sha256


def _body(org: OrganisationConfig, original: Document, sender: str | None, number: OutgoingNumber,
          type_name: str, summary: str, issued: dt.datetime, signed: bool) -> str:  # fmt: skip
    answered = original.number_symbol or "không số"
    of = original.issuer or sender or "quý cơ quan"
    lines = [
        "Kính gửi: " + of + ".",
        "",
        f"{org.name} gửi {type_name.lower()} số {number.number_symbol} ngày "
        f"{issued:%d/%m/%Y} {summary}.",
        f"Văn bản này trả lời văn bản số {answered} của {of}"
        + (f" (số đến {original.number}/{original.year})." if original.number else "."),
        "Văn bản kèm theo đã được ký số; thư này có chữ ký số S/MIME." if signed
        else "Văn bản kèm theo và thư này không có chữ ký số.",
        "",
        "Trân trọng.",
        f"Văn thư {org.name}",
    ]
    return "\n".join(lines) + "\n"


def reply(
    settings: Settings,
    db: Database,
    blobs: LocalBlobStore,
    document_id: int,
    files: list[ReplyFile],
    summary: str,
    *,
    doc_type: str | None = None,
    to: list[str] | None = None,
    signer: str | None = None,
    sign: bool = True,
    actor: str = "gateway",
    now: dt.datetime | None = None,
) -> ReplyResult:
    """Register, sign and queue the reply to incoming document ``document_id``."""
    summary = nfc(summary)
    if not files:
        raise GatewayError("a reply needs at least one file: give --file")
    if not summary:
        raise GatewayError("a reply needs a summary (trích yếu): give --summary")
    with db.transaction() as session:
        original = session.get(Document, document_id)
        if original is None or original.direction != "in":
            raise NotFound(f"no incoming document {document_id}: see `gateway docs list`")
        org = settings.organisation(session.get_one(Organisation, original.organisation_id).code)
    key: SigningKey | None = None
    if sign:
        key = load_signing_key(settings, org)  # before the transaction: fail early
    elif not org.allow_unsigned:
        raise ConfigError(f"organisation {org.code!r} does not allow unsigned mail "
                          "(allow_unsigned = false): sign the reply or change the setting")
    doc_type = nfc(doc_type or org.default_type)
    issued_at = (now or utcnow()).astimezone(org.zone).replace(microsecond=0)
    signer_name = nfc(signer or org.signer_name or (key.signer_name if key else org.name))
    with db.transaction() as session:
        return _reply(settings, session, blobs, org, document_id, files, summary, doc_type,
                      to, signer_name, key, actor, issued_at)  # fmt: skip


def _reply(settings: Settings, session: Session, blobs: LocalBlobStore,
           org: OrganisationConfig, document_id: int, files: list[ReplyFile], summary: str,
           doc_type: str, to: list[str] | None, signer_name: str, key: SigningKey | None,
           actor: str, issued_at: dt.datetime) -> ReplyResult:  # fmt: skip
    original = session.get_one(Document, document_id, with_for_update=True)
    message = session.get(InboundMessage, original.message_id) if original.message_id else None
    recipients = [nfc(a).lower() for a in to] if to else []
    if not recipients and message is not None and message.from_addr:
        recipients = [message.from_addr.lower()]
    if not recipients:
        raise GatewayError(f"document {document_id} has no sender address: give --to")
    mailbox = (message.mailbox.lower() if message and message.mailbox.lower() in org.mailboxes
               else org.mailboxes[0])  # fmt: skip
    number = take_number(session, original.organisation_id, org, doc_type, issued_at)
    type_name = _type_name(settings, org, doc_type)

    content = EmailMessage()
    content.set_content(_body(org, original, message.from_addr if message else None, number,
                              type_name, summary, issued_at, key is not None))  # fmt: skip
    stored: list[tuple[ReplyFile, str, str, str, bool, int]] = []
    for item in files:
        mime = magic.from_buffer(item.data, mime=True) or "application/octet-stream"
        data = item.data
        signed = key is not None and mime == PDF
        if signed:
            assert key is not None
            data = sign_pdf(data, key, number_symbol=number.number_symbol, signed_at=issued_at,
                            signer_name=signer_name, location=org.name,
                            visible=org.visible_stamp)  # fmt: skip
        maintype, _, subtype = mime.partition("/")
        content.add_attachment(data, maintype=maintype, subtype=subtype,
                               filename=nfc(item.name))  # fmt: skip
        stored.append((item, mime, _store(session, blobs, item.data), _store(session, blobs, data),
                       signed, len(data)))  # fmt: skip

    domain = mailbox.rpartition("@")[2]
    message_id = make_msgid(domain=domain)
    headers = [
        ("From", formataddr((org.name, mailbox))),
        ("To", ", ".join(recipients)),
        ("Subject", f"{type_name} số {number.number_symbol} {summary}"),
        ("Date", format_datetime(issued_at)),
        ("Message-ID", message_id),
    ]
    if message is not None and message.message_id:
        headers += [("In-Reply-To", message.message_id), ("References", message.message_id)]
    raw = sign_mail(headers, content, key)

    document = Document(
        organisation_id=original.organisation_id, book_id=number.book.id, direction="out",
        year=number.year, number=number.number, registered_at=utcnow(), message_id=None,
        message_position=0, doc_type=doc_type, doc_type_name=type_name, system=org.system,
        number_symbol=number.number_symbol, issuer=org.name, issued_date=issued_at.date(),
        summary=summary, urgency="normal", secrecy="none", status="registered",
        duplicate_of=None, retention=None, trust={}, corrected={},
        evidence={"in_reply_to": original.id, "signer": signer_name,
                  "signed": key is not None, "recipients": recipients},
    )  # fmt: skip
    session.add(document)
    session.flush()
    file_rows = []
    for index, (item, mime, source, sha256, signed, size) in enumerate(stored):
        row = DocumentFile(document_id=document.id, index=index, name=nfc(item.name), mime=mime,
                           size=size,
                           sha256=sha256, source_sha256=source,
                           role="main" if index == 0 else "appendix", signed=signed)  # fmt: skip
        session.add(row)
        file_rows.append({"name": row.name, "sha256": sha256, "size": row.size, "mime": mime,
                          "role": row.role, "signed": signed})  # fmt: skip
    outbound = enqueue(session, blobs, organisation_id=original.organisation_id, kind="reply",
                       mail=raw, mail_from=mailbox, rcpt_to=recipients,
                       document_id=document.id, dedupe_key=None)  # fmt: skip
    search.index_document(session, document, summary)
    events.record(
        session, "document.issued", "document", document.id,
        organisation_id=original.organisation_id, actor=actor,
        data={"book": number.book.code, "year": number.year, "number": number.number,
              "number_symbol": number.number_symbol, "in_reply_to": original.id,
              "files": [f["sha256"] for f in file_rows], "signed": key is not None,
              "outbound": outbound.id, "message_id": message_id,
              "raw_sha256": outbound.raw_sha256},
    )  # fmt: skip
    _close(session, original, document, actor)
    return ReplyResult(document.id, number.book.code, number.year, number.number,
                       number.number_symbol, outbound.id, message_id, recipients,
                       key is not None, file_rows)  # fmt: skip


def _close(session: Session, original: Document, reply_doc: Document, actor: str) -> None:
    """The incoming document is answered: its lead assignment (or itself) is done."""
    note = f"trả lời bằng văn bản số {reply_doc.number_symbol} (văn bản đi #{reply_doc.id})"
    lead = next((a for a in assignments_of(session, original.id) if a.role == "lead"), None)
    if lead is not None:
        set_status(session, lead, "done", actor=actor, note=note)
    if original.status != "returned":
        original.status = "done"
    events.record(
        session, "document.answered", "document", original.id,
        organisation_id=original.organisation_id, actor=actor,
        data={"reply": reply_doc.id, "number_symbol": reply_doc.number_symbol,
              "assignment": lead.id if lead else None},
    )  # fmt: skip
