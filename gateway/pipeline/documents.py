"""Pipeline step 2: decide which parts are official documents.

First version (foundation issue): an attached PDF, Word, OpenDocument or spreadsheet file is a
document, and so is an image that no HTML body shows (a scan). All document files of one
message form one registration. Classification and metadata extraction refine this.
"""

from __future__ import annotations

from gateway.pipeline.message import Findings, FoundDocument, FoundFile, ParsedMessage

DOCUMENT_TYPES = frozenset({
    "application/pdf",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/rtf",
    "text/rtf",
})  # fmt: skip

# Parser complaints that mean the MIME structure itself is uncertain (a part may be missing).
STRUCTURAL_DEFECTS = (
    "StartBoundaryNotFoundDefect",
    "CloseBoundaryNotFoundDefect",
    "MultipartInvariantViolationDefect",
    "MissingHeaderBodySeparatorDefect",
    "NoBoundaryInMultipartDefect",
)


def find_documents(message: ParsedMessage) -> Findings:
    findings = Findings()
    if message.unreadable:
        findings.quarantine = message.unreadable
        return findings
    files: list[FoundFile] = []
    for part in message.parts:
        if part.is_body:
            continue
        reason = _not_a_document(part.detected_type, part.referenced_by_html, part.is_container)
        if reason:
            findings.not_documents[part.index] = reason
        else:
            files.append(FoundFile(part.index, "main" if not files else "other"))
    if files:
        findings.documents.append(FoundDocument(files=files))
        return findings
    structural = sorted({d for d in message.defects if d.endswith(STRUCTURAL_DEFECTS)})
    if structural:
        findings.quarantine = "broken MIME structure, a document may be hidden: " + "; ".join(
            structural
        )
    else:
        findings.note = "no official document attached"
    return findings


def _not_a_document(detected: str, shown_inline: bool, is_container: bool) -> str | None:
    if is_container:
        return "attached message (its parts are examined)"
    if detected in DOCUMENT_TYPES:
        return None
    if detected.startswith("image/"):
        return "inline image" if shown_inline else None
    return f"not a document type ({detected})"
