"""edXML envelopes (QCVN 102:2016/BTTTT) attached to a message: their metadata is authoritative.

Reads CodeNumber/CodeNotation, PromulgationInfo, DocumentType, Subject, From/OrganName and
OtherInfo/Priority, and overrides the fields read from the document it describes.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from xml.etree import ElementTree

from gateway.pipeline.catalogue import Catalogue
from gateway.pipeline.message import FoundDocument, Part
from gateway.pipeline.read import dates, numbers
from gateway.pipeline.read.naming import fold

NAMESPACE = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
MAX_BYTES = 5 * 1024 * 1024
# OtherInfo/Priority: 0 thường, 1 khẩn, 2 thượng khẩn, 3 hỏa tốc, 4 hỏa tốc hẹn giờ.
PRIORITY = {"0": "normal", "1": "urgent", "2": "very_urgent", "3": "flash", "4": "flash"}
_FORBIDDEN = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)


@dataclass
class Envelope:
    name: str
    fields: dict[str, str] = field(default_factory=dict)
    error: str | None = None


def _text(root: ElementTree.Element, *path: str) -> str | None:
    node: ElementTree.Element | None = root
    for step in path:
        if node is None:
            return None
        node = next((c for c in node.iter() if c.tag.rsplit("}", 1)[-1] == step), None)
    if node is None or node.text is None:
        return None
    value = " ".join(node.text.split())
    return value or None


def read_envelope(part: Part) -> Envelope:
    envelope = Envelope(part.name or "edxml")
    if len(part.data) > MAX_BYTES or _FORBIDDEN.search(part.data[:65536]):
        envelope.error = "edXML refused: too large or declares entities"
        return envelope
    try:
        root = ElementTree.fromstring(part.data)
    except ElementTree.ParseError as exc:
        envelope.error = f"edXML unreadable: {exc}"
        return envelope
    header = next((c for c in root.iter() if c.tag.rsplit("}", 1)[-1] == "MessageHeader"), root)
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
    """Override the matching document's fields (the only document, or the same number)."""
    for envelope in envelopes:
        if envelope.error or not documents:
            continue
        f = envelope.fields
        symbol = None
        if "code_number" in f and "code_notation" in f:
            joiner = "-" if "/" in f["code_notation"] else "/"
            symbol = numbers.parse(f"{f['code_number']}{joiner}{f['code_notation']}", catalogue)
        target = documents[0]
        if symbol is not None:
            target = next((d for d in documents if d.number_symbol == symbol.text), target)
        source = f"edXML {envelope.name}"
        if symbol is not None:
            target.number_symbol, target.number = symbol.text, symbol.number
            target.system = symbol.form
            target.evidence["number_symbol"] = f"{source}: Code {symbol.text}"
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
        if "type_name" in f:
            for entry in catalogue.doctypes:
                if fold(entry.name) == fold(f["type_name"]):
                    target.doc_type, target.doc_type_name = entry.code, entry.name
                    target.evidence["doc_type"] = f"{source}: DocumentType {f['type_name']}"
                    break
