"""Choose the extractor by the detected type (and the name when the type says little)."""

from __future__ import annotations

import unicodedata

from gateway.pipeline.message import Part
from gateway.pipeline.text import legacy
from gateway.pipeline.text.model import DocText, Line
from gateway.pipeline.text.office import extract_docx, extract_odt
from gateway.pipeline.text.pdf import extract_pdf, later_pages_text
from gateway.pipeline.text.plain import extract_doc, extract_html, extract_plain

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"
DOC = (
    "application/msword",
    "application/x-ole-storage",
    "application/CDFV2",
    "application/vnd.ms-office",
)


def kind_of(part: Part) -> str:
    """pdf | docx | odt | doc | text | html | image | other."""
    detected = part.detected_type
    name = (part.name or "").lower()
    if detected == PDF:
        return "pdf"
    if detected == DOCX or (detected == "application/zip" and name.endswith(".docx")):
        return "docx"
    if detected == ODT or (detected == "application/zip" and name.endswith(".odt")):
        return "odt"
    if detected in DOC or (detected.startswith("application/") and name.endswith(".doc")):
        return "doc"
    if detected == "text/html":
        return "html"
    if detected.startswith("text/"):
        return "text"
    if detected.startswith("image/"):
        return "image"
    return "other"


def extract(part: Part) -> DocText:
    kind = kind_of(part)
    if kind == "pdf":
        doc = extract_pdf(part.data)
    elif kind == "docx":
        doc = extract_docx(part.data)
    elif kind == "odt":
        doc = extract_odt(part.data)
    elif kind == "doc":
        doc = extract_doc(part.data)
    elif kind == "html":
        doc = extract_html(part.data)
    elif kind == "text":
        doc = extract_plain(part.data)
    else:
        return DocText(kind)
    return normalise(doc)


def normalise(doc: DocText) -> DocText:
    """NFC everything and convert legacy-font text."""
    encoding = legacy.detect(doc.text) if doc.text else None
    doc.legacy = encoding

    def fix(text: str) -> str:
        if encoding:
            text = legacy.convert(text, encoding)
        return unicodedata.normalize("NFC", text)

    doc.text = fix(doc.text)
    doc.lines = [
        Line(fix(line.text), line.column, line.bold, line.italic, line.size, line.y)
        for line in doc.lines
    ]
    return doc


def later_pages(part: Part, first: int, max_chars: int) -> str:
    """The text of a PDF's pages from ``first`` on, normalised like the rest (for the index)."""
    return normalise(DocText("pdf", text=later_pages_text(part.data, first, max_chars))).text


def whole_text(part: Part, max_chars: int) -> str:
    """Everything readable in one file, every page: what the search index keeps of it."""
    doc = extract(part)
    text = doc.text
    if doc.kind == "pdf" and not doc.error and doc.pages_read < doc.pages:
        rest = later_pages(part, doc.pages_read, max_chars - len(text))
        text = f"{text}\n{rest}" if rest else text
    return text[:max_chars]
