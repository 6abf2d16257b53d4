"""Pipeline step 2: find the official documents in a message and read their registration data.

Every attachment is triaged (logos, photos, notes and vCards are not documents), each candidate
file is read (text extraction, then the header readers), files are grouped into documents (main,
alternate, appendix), an edXML envelope overrides what was read, and the subject fills in what
a file without text cannot say. Every field carries its evidence.
"""

from __future__ import annotations

import re

from gateway.pipeline import edxml
from gateway.pipeline.catalogue import Catalogue
from gateway.pipeline.grouping import (
    Candidate,
    Group,
    group_officials,
    home_for_appendix,
    home_for_unread,
)
from gateway.pipeline.message import Findings, FoundDocument, FoundFile, ParsedMessage, Part
from gateway.pipeline.read import numbers
from gateway.pipeline.read.header import read_header
from gateway.pipeline.read.marks import subject_mark
from gateway.pipeline.read.naming import strip_marks
from gateway.pipeline.read.reading import Reading
from gateway.pipeline.read.subject import read_subject, type_in_text
from gateway.pipeline.sender import sender_organisation
from gateway.pipeline.text.extract import extract
from gateway.pipeline.text.model import DocText
from gateway.pipeline.triage import triage

# Parser complaints that mean the MIME structure itself is uncertain (a part may be missing).
STRUCTURAL_DEFECTS = (
    "StartBoundaryNotFoundDefect",
    "CloseBoundaryNotFoundDefect",
    "MultipartInvariantViolationDefect",
    "MissingHeaderBodySeparatorDefect",
    "NoBoundaryInMultipartDefect",
)
BOMB_DEFECT = "archive refused"
NO_HEADER = "no official document header (newsletter, note or other material)"


def find_documents(message: ParsedMessage, catalogue: Catalogue) -> Findings:
    """Decide which parts are documents and read each document's fields."""
    findings = Findings()
    if message.unreadable:
        findings.quarantine = message.unreadable
        return findings
    sender = sender_organisation(message.from_addr, catalogue)
    if sender is not None:
        findings.sender_org, findings.sender_org_code = sender.name, sender.code
    read: list[Candidate] = []
    unread: list[Candidate] = []
    envelopes: list[edxml.Envelope] = []
    for part in message.parts:
        if part.is_body:
            continue
        kind, reason = triage(part, catalogue)
        if reason is not None:
            findings.not_documents[part.index] = reason
        elif kind == "edxml":
            envelopes.append(edxml.read_envelope(part, message.parts))
            findings.not_documents[part.index] = "edXML envelope (its metadata is used)"
        else:
            candidate = _read(part, kind, catalogue)
            (read if candidate.text.has_text else unread).append(candidate)
    groups = _group(read, unread, message, findings, catalogue, sender.name if sender else None)
    for group in groups:
        findings.documents.append(_document(group, message, catalogue))
    edxml.apply(envelopes, findings.documents, catalogue)
    if not findings.documents:
        _no_document(message, findings)
    return findings


def _read(part: Part, kind: str, catalogue: Catalogue) -> Candidate:
    text = extract(part) if kind == "document" else DocText(kind)
    reading = read_header(text, catalogue, f"{text.kind} text") if text.has_text else Reading()
    return Candidate(part, kind, text, reading)


def _group(
    read: list[Candidate], unread: list[Candidate], message: ParsedMessage,
    findings: Findings, catalogue: Catalogue, sender: str | None,
) -> list[Group]:  # fmt: skip
    officials = [c for c in read if c.reading.official and not c.reading.appendix]
    groups = group_officials(officials)
    subject_names_doc = bool(numbers.find_all(message.subject, catalogue)) or (
        type_in_text(message.subject, catalogue, None) is not None
    )
    for candidate in read:
        if candidate in officials:
            continue
        reading = candidate.reading
        looks_appendix = reading.appendix or _named_appendix(candidate.name, catalogue)
        if looks_appendix and (home := home_for_appendix(candidate, groups)) is not None:
            home.appendices.append(candidate)
        elif candidate.kind == "sheet" and groups:
            groups[0].others.append((candidate, "appendix"))
        elif (home := home_for_unread(candidate, groups)) is not None:
            home.alternates.append(candidate)
        elif not groups and (subject_names_doc or looks_appendix):
            candidate.reading = _fallback(candidate, message, catalogue, sender)
            groups.append(Group(candidate))
        else:
            findings.not_documents[candidate.part.index] = NO_HEADER
    for candidate in unread:
        if groups and _named_appendix(candidate.name, catalogue):
            # a scanned appendix cannot say whose it is: its name does ("Phu luc KH 336.pdf")
            (home_for_appendix(candidate, groups) or groups[0]).appendices.append(candidate)
        elif candidate.kind == "signature":
            if groups:
                groups[0].others.append((candidate, "signature"))
            else:
                findings.not_documents[candidate.part.index] = "signature file without a document"
        elif candidate.kind == "sheet" and groups:
            groups[0].others.append((candidate, "appendix"))
        elif (home := home_for_unread(candidate, groups)) is not None:
            home.alternates.append(candidate)
        else:
            candidate.reading = _fallback(candidate, message, catalogue, sender)
            groups.append(Group(candidate))
    groups.sort(key=lambda g: g.main.part.index)
    return groups


def _named_appendix(name: str, catalogue: Catalogue) -> bool:
    """The file name says appendix ("Phu luc 1.pdf", "phuluc.pdf", "PHỤ_LỤC-KH.docx")."""
    plain = re.sub(r"[\s_\-.]+", "", strip_marks(name))
    return any(
        re.sub(r"\s+", "", strip_marks(title)) in plain
        for title in catalogue.conventions.appendix_titles
    )


def _fallback(
    candidate: Candidate, message: ParsedMessage, catalogue: Catalogue, sender: str | None
) -> Reading:
    reading = read_subject(message.subject, candidate.name, catalogue, sender)
    why = candidate.text.error or f"no text layer in {candidate.text.kind}"
    reading.evidence["text"] = f"{why}: fields from the subject and file name"
    return reading


def _document(group: Group, message: ParsedMessage, catalogue: Catalogue) -> FoundDocument:
    reading = group.main.reading
    for other in group.alternates:  # fill what the main file did not say
        for name in ("number", "issued_date", "issuer", "system", "doc_type", "summary",
                     "urgency", "secrecy"):  # fmt: skip
            if getattr(reading, name) is None and getattr(other.reading, name) is not None:
                setattr(reading, name, getattr(other.reading, name))
                key = "number_symbol" if name == "number" else name
                if key in other.reading.evidence:
                    reading.evidence[key] = f"{other.name}: {other.reading.evidence[key]}"
    files = [FoundFile(group.main.part.index, "main")]
    files += [FoundFile(c.part.index, "alternate") for c in group.alternates]
    files += [FoundFile(c.part.index, "appendix") for c in group.appendices]
    files += [FoundFile(c.part.index, role) for c, role in group.others]
    evidence = {k: f"{group.main.name}: {v}" for k, v in reading.evidence.items()}
    doc = FoundDocument(
        files=files,
        doc_type=reading.doc_type.code if reading.doc_type else None,
        doc_type_name=reading.doc_type.name if reading.doc_type else None,
        system=reading.system or (reading.doc_type.system if reading.doc_type else None),
        number=reading.number.number if reading.number else None,
        number_symbol=reading.number.text if reading.number else None,
        issuer=reading.issuer,
        issued_date=reading.issued_date,
        summary=reading.summary,
        urgency=reading.urgency,
        secrecy=reading.secrecy,
        evidence=evidence,
        # What was read of the main file (its first pages); the read_text step adds the rest.
        text=group.main.text.text,
        text_from_page=_unread_from(group.main.text),
    )
    _marks_from_subject(doc, message, catalogue, header_read=group.main.reading.official)
    return doc


def _unread_from(text: DocText) -> int | None:
    """The first PDF page classification did not read, if the file has more."""
    if text.kind == "pdf" and not text.error and text.pages_read < text.pages:
        return text.pages_read
    return None


def _marks_from_subject(
    doc: FoundDocument, message: ParsedMessage, catalogue: Catalogue, *, header_read: bool
) -> None:
    """A mark typed in the subject counts when the document itself shows none."""
    for field, marks, default in (
        ("urgency", catalogue.conventions.urgency, "normal"),
        ("secrecy", catalogue.conventions.secrecy, "none"),
    ):
        if getattr(doc, field) is not None:
            continue
        mark = subject_mark(message.subject, marks)
        if mark is not None:
            setattr(doc, field, mark.value)
            doc.evidence[field] = f"subject: '{message.subject}' (mark typed in the subject)"
        elif header_read:
            setattr(doc, field, default)
            doc.evidence[field] = "no mark printed in the document header"


def _no_document(message: ParsedMessage, findings: Findings) -> None:
    refused = [d for d in message.defects if BOMB_DEFECT in d]
    structural = sorted({d for d in message.defects if d.endswith(STRUCTURAL_DEFECTS)})
    if refused:
        findings.quarantine = "unsafe attachment: " + "; ".join(refused)
    elif structural:
        findings.quarantine = "broken MIME structure, a document may be hidden: " + "; ".join(
            structural
        )
    else:
        why = "no official document attached"
        if findings.not_documents:
            why += " (" + "; ".join(sorted(set(findings.not_documents.values()))) + ")"
        findings.note = why
