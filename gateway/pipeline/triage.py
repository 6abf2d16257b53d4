"""First look at every attachment: is it a candidate document, or obviously not one (and why)."""

from __future__ import annotations

import re

from gateway.pipeline.catalogue import Catalogue
from gateway.pipeline.edxml import is_envelope
from gateway.pipeline.message import Part
from gateway.pipeline.read import numbers
from gateway.pipeline.read.naming import strip_marks
from gateway.pipeline.text.extract import kind_of

DOCUMENT_KINDS = frozenset({"pdf", "docx", "odt", "doc"})
SHEETS = frozenset({
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.oasis.opendocument.spreadsheet",
})  # fmt: skip
RTF = frozenset({"application/rtf", "text/rtf"})
SIGNATURES = frozenset({
    "application/pkcs7-signature", "application/x-pkcs7-signature", "application/pkcs7-mime",
})  # fmt: skip
_SCAN_NAME = re.compile(r"\b(scan|scanned|van ban|cong van|quyet dinh|to trinh|giay moi)", re.I)


def triage(part: Part, catalogue: Catalogue) -> tuple[str, str | None]:
    """("document" | "sheet" | "signature" | "edxml" | "skip", reason when not a document)."""
    name = part.name or ""
    lower = name.lower()
    detected = part.detected_type
    if part.is_container:
        kind = "archive" if detected != "message/rfc822" else "attached message"
        return "skip", f"{kind} (its files are examined)"
    if not part.data:
        return "skip", "empty file"
    if is_envelope(part.name, detected, part.data):
        return "edxml", None
    kind = kind_of(part)
    if kind in DOCUMENT_KINDS or detected in RTF:
        return "document", None
    if detected in SHEETS or lower.endswith((".xls", ".xlsx", ".ods")):
        return "sheet", None
    if detected in SIGNATURES or lower.endswith((".p7s", ".sig")):
        return "signature", None
    if part.referenced_by_html:
        return "skip", "inline image (logo or signature image)"
    if kind == "image":
        if part.referenced_by_html or part.disposition == "inline":
            return "skip", "inline image (logo or signature image)"
        if numbers.find_all(name, catalogue) or _SCAN_NAME.search(strip_marks(name)):
            return "document", None  # a scanned page named like a document
        return "skip", "photo or image without document metadata"
    if detected in ("text/vcard", "text/x-vcard") or lower.endswith(".vcf"):
        return "skip", "contact card (vCard)"
    if detected == "text/calendar" or lower.endswith(".ics"):
        return "skip", "calendar invitation"
    if kind in ("text", "html"):
        return "skip", "text note attached to the message"
    return "skip", f"not a document type ({detected})"
