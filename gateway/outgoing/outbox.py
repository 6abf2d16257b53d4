"""The outbox: queue a mail durably, with its exact bytes and Message-ID fixed up front.

``enqueue`` is what every producer calls (replies, acknowledgements, notices, reminders),
inside the producer's own transaction: the mail is queued if and only if that transaction
commits. Delivery (retries, backoff, the SMTP relay) reads the queue.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.utils import getaddresses, make_msgid

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.archive.blobstore import BlobStore
from gateway.db.models import QUEUED, Blob, OutboundMail, utcnow
from gateway.outgoing.folding import OUTGOING


def enqueue(
    session: Session,
    blobs: BlobStore,
    *,
    organisation_id: int,
    kind: str,
    mail: EmailMessage | bytes,
    mail_from: str,
    rcpt_to: list[str] | None = None,
    document_id: int | None = None,
    dedupe_key: str | None = None,
) -> OutboundMail:
    """Queue one mail in the caller's transaction; returns the existing row for a known key.

    An EmailMessage gets a Message-ID if it has none and is rendered once to bytes (CRLF);
    pass bytes when the exact bytes are already fixed (e.g. an S/MIME-signed mail).
    """
    if dedupe_key is not None:
        existing = session.scalars(
            select(OutboundMail).where(OutboundMail.dedupe_key == dedupe_key)
        ).one_or_none()
        if existing is not None:
            return existing
    message_id: str | None
    if isinstance(mail, EmailMessage):
        if mail["Message-ID"] is None:
            domain = mail_from.rpartition("@")[2] or None
            mail["Message-ID"] = make_msgid(domain=domain)
        if rcpt_to is None:
            rcpt_to = _recipients(mail)
        raw = mail.as_bytes(policy=OUTGOING)
        message_id, subject = str(mail["Message-ID"]), mail["Subject"]
    else:
        raw = mail
        message_id, subject = _header(raw, "message-id"), _header(raw, "subject")
    if not message_id:
        raise ValueError("a queued mail needs a Message-ID")
    if not rcpt_to:
        raise ValueError("a queued mail needs at least one recipient")
    blob = blobs.put(raw)  # durable before the row that points at it
    if session.get(Blob, blob.sha256) is None:
        session.add(Blob(sha256=blob.sha256, size=blob.size, created_at=utcnow()))
    row = OutboundMail(
        organisation_id=organisation_id,
        kind=kind,
        message_id=message_id,
        dedupe_key=dedupe_key,
        mail_from=mail_from,
        rcpt_to=list(rcpt_to),
        subject=str(subject) if subject is not None else None,
        raw_sha256=blob.sha256,
        document_id=document_id,
        state=QUEUED,
        attempts=0,
        next_attempt_at=utcnow(),
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def _recipients(mail: EmailMessage) -> list[str]:
    fields = [str(v) for name in ("To", "Cc", "Bcc") for v in mail.get_all(name, [])]
    return [address for _, address in getaddresses(fields) if address]


def _header(raw: bytes, name: str) -> str | None:
    value = BytesHeaderParser().parsebytes(raw).get(name)
    return str(value).strip() if value is not None else None
