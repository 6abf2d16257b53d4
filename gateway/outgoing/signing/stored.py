"""`gateway verify`: re-check the stored signatures (the archive must still prove them).

Integrity only, offline: a signature that verified (or was intact but untrusted) when it was
made or received must still match its bytes. Trust in the certificate is not re-judged here
(roots change, certificates expire); it was recorded at the time.
  - every signed outgoing PDF (document_files.signed)
  - every signed outgoing mail (S/MIME) in the outbox
  - every inbound message whose recorded S/MIME check was intact
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.archive.blobstore import LocalBlobStore
from gateway.db.models import Document, DocumentFile, InboundMessage, OutboundMail
from gateway.errors import GatewayError
from gateway.outgoing.signing.verify import ERROR, INVALID, signed_parts, verify_pdf, verify_smime

if TYPE_CHECKING:
    from gateway.archive.verify import Report

BROKEN = (INVALID, ERROR)
INTACT = ("valid", "untrusted", "mismatch")


def _read(blobs: LocalBlobStore, sha256: str) -> bytes | None:
    try:
        return blobs.read(sha256)
    except GatewayError:
        return None  # the blob check already names a missing or unreadable blob


def check_signatures(session: Session, blobs: LocalBlobStore, report: Report) -> None:
    count = 0
    for file in session.scalars(select(DocumentFile).where(DocumentFile.signed)):
        if (data := _read(blobs, file.sha256)) is None:
            continue
        count += 1
        checks = verify_pdf(data, [], file.name)
        if not checks or any(c.result in BROKEN for c in checks):
            detail = "; ".join(c.detail for c in checks) or "the signature is gone"
            report.add("signature", f"document {file.document_id} file {file.name}", detail)
    for mail in session.scalars(select(OutboundMail)):
        if (raw := _read(blobs, mail.raw_sha256)) is None or signed_parts(raw) is None:
            continue
        count += 1
        check = verify_smime(raw, [], None)
        if check is not None and check.result in BROKEN:
            report.add("signature", f"outbound {mail.id} {mail.message_id}", check.detail)
    seen: set[int] = set()
    for document in session.scalars(select(Document).where(Document.message_id.is_not(None))):
        checks = (document.trust or {}).get("checks", [])
        if document.message_id in seen or not any(
            c.get("kind") == "smime" and c.get("result") in INTACT for c in checks
        ):
            continue
        assert document.message_id is not None
        seen.add(document.message_id)
        message = session.get_one(InboundMessage, document.message_id)
        if (raw := _read(blobs, message.raw_sha256)) is None:
            continue
        count += 1
        check = verify_smime(raw, [], None)
        if check is None or check.result in BROKEN:
            detail = check.detail if check else "the S/MIME signature is gone"
            report.add("signature", f"message {message.id}", detail)
    report.checked["signatures"] = count
