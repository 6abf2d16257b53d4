"""edXML envelopes (QCVN 102:2016/BTTTT) attached to a message: their metadata is authoritative.

Reads CodeNumber/CodeNotation, PromulgationInfo, DocumentType, Subject, From/OrganName and
OtherInfo/Priority, and overrides the fields read from the document it describes: the one made
of the files it carries inline (see edxml_files), else the one with its number-symbol, else the
first. Entity declarations are refused, so no expansion bomb reaches the XML parser.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from xml.etree import ElementTree

from gateway.pipeline.catalogue import Catalogue, DocTypeEntry
from gateway.pipeline.message import FoundDocument, Part
from gateway.pipeline.read import dates, numbers
from gateway.pipeline.read.naming import fold

NAMESPACE = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
MARKERS = (b"QCVN_102_2016", b"edXML")
# Envelopes may carry their files inline (base64): room for a few scanned documents.
MAX_BYTES = 64 * 1024 * 1024
# OtherInfo/Priority: 0 thường, 1 khẩn, 2 thượng khẩn, 3 hỏa tốc, 4 hỏa tốc hẹn giờ.
PRIORITY = {"0": "normal", "1": "urgent", "2": "very_urgent", "3": "flash", "4": "flash"}
# Entity declarations are refused anywhere (base64 never contains "<!"), so no expansion bomb.
_FORBIDDEN = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)


@dataclass
class Envelope:
    name: str
    fields: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    members: frozenset[int] = frozenset()  # parts the envelope carried inline


def is_envelope(name: str | None, detected: str, data: bytes) -> bool:
    """An XML file whose start names the edXML standard."""
    head = data[:4096]
    xml_like = (name or "").lower().endswith((".edxml", ".xml")) or "xml" in detected
    return xml_like and any(marker in head for marker in MARKERS)


def local(tag: str) -> str:
    """An element or attribute name without its namespace."""
    return tag.rsplit("}", 1)[-1]


def element_text(node: ElementTree.Element) -> str | None:
    if node.text is None:
        return None
    value = " ".join(node.text.split())
    return value or None


def parse_envelope(data: bytes) -> ElementTree.Element | str:
    """The envelope's root element, or why it is not read."""
    if len(data) > MAX_BYTES or _FORBIDDEN.search(data):
        return "edXML refused: too large or declares entities"
    try:
        return ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        return f"edXML unreadable: {exc}"


def _text(root: ElementTree.Element, *path: str) -> str | None:
    node: ElementTree.Element | None = root
    for step in path:
        if node is None:
            return None
        node = next((c for c in node.iter() if local(c.tag) == step), None)
    return None if node is None else element_text(node)


def read_envelope(part: Part, parts: list[Part]) -> Envelope:
    """The envelope's metadata, and which parts it carried inline (see edxml_files)."""
    name = part.name or "edxml"
    inside = name + "/"
    members = frozenset(
        p.index for p in parts if p.container and (p.container + "/").startswith(inside)
    )
    envelope = Envelope(name, members=members)
    root = parse_envelope(part.data)
    if isinstance(root, str):
        envelope.error = root
        return envelope
    header = next((c for c in root.iter() if local(c.tag) == "MessageHeader"), root)
    wanted = {
        "code_number": ("Code", "CodeNumber"),
        "code_notation": ("Code", "CodeNotation"),
        "place": ("PromulgationInfo", "Place"),
        "date": ("PromulgationInfo", "PromulgationDate"),
        "type_name": ("DocumentType", "TypeName"),
        "subject": ("Subject",),
        "organ": ("From", "OrganName"),
        "organ_id": ("From", "OrganId"),
        "priority": ("OtherInfo", "Priority"),
    }
    for key, path in wanted.items():
        value = _text(header, *path)
        if value is not None:
            envelope.fields[key] = value
    return envelope


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return dates.loose_date(value)


def apply(envelopes: list[Envelope], documents: list[FoundDocument], catalogue: Catalogue) -> None:
    """Override the fields of the document each envelope describes (see ``_target``)."""
    for envelope in envelopes:
        if envelope.error or not documents:
            continue
        symbol = _symbol(envelope.fields, catalogue)
        target = _target(envelope, symbol, documents)
        _override(target, envelope, symbol, catalogue)


def _symbol(f: dict[str, str], catalogue: Catalogue) -> numbers.NumberSymbol | None:
    if "code_number" not in f or "code_notation" not in f:
        return None
    joiner = "-" if "/" in f["code_notation"] else "/"
    return numbers.parse(f"{f['code_number']}{joiner}{f['code_notation']}", catalogue)


def _target(
    envelope: Envelope, symbol: numbers.NumberSymbol | None, documents: list[FoundDocument]
) -> FoundDocument:
    """The document made of the envelope's own files, else the one with its number-symbol,
    else the first (an envelope sent beside a single document)."""
    for doc in documents:
        if any(f.part_index in envelope.members for f in doc.files):
            return doc
    if symbol is not None:
        for doc in documents:
            if doc.number_symbol == symbol.text:
                return doc
    return documents[0]


def _override(
    target: FoundDocument, envelope: Envelope, symbol: numbers.NumberSymbol | None,
    catalogue: Catalogue,
) -> None:  # fmt: skip
    f = envelope.fields
    source = f"edXML {envelope.name}"
    if symbol is not None:
        target.number_symbol, target.number = symbol.text, symbol.number
        target.system = symbol.form
        target.evidence["number_symbol"] = f"{source}: Code {symbol.text}"
        target.evidence["system"] = f"{source}: Code {symbol.text} ({symbol.form} form)"
    if "date" in f and (day := _date(f["date"])) is not None:
        target.issued_date = day
        target.evidence["issued_date"] = f"{source}: PromulgationDate {f['date']}"
    if "organ" in f:
        target.issuer = f["organ"]
        target.evidence["issuer"] = f"{source}: From/OrganName"
    if "subject" in f:
        target.summary = f["subject"]
        target.evidence["summary"] = f"{source}: Subject"
    if "priority" in f and f["priority"] in PRIORITY:
        target.urgency = PRIORITY[f["priority"]]
        target.evidence["urgency"] = f"{source}: Priority {f['priority']}"
    if "type_name" in f and (entry := _doctype(f["type_name"], target.system, catalogue)):
        target.doc_type, target.doc_type_name = entry.code, entry.name
        target.evidence["doc_type"] = f"{source}: DocumentType {f['type_name']}"


def _doctype(name: str, system: str | None, catalogue: Catalogue) -> DocTypeEntry | None:
    """The catalogue entry of that name, of the document's system where the name is in both
    (Quy định: State QyĐ, Party QĐ)."""
    named = [entry for entry in catalogue.doctypes if fold(entry.name) == fold(name)]
    return next((e for e in named if system in e.systems), named[0] if named else None)
