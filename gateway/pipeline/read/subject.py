"""Fallback reading from the e-mail subject and the file name, for files with no text layer.

Subjects typically read "Quyết định 797/QĐ-UBND ngày 18-04-2017 của UBND tỉnh về việc ...";
file names "04-NQ-TU.pdf" or "Công văn 2539-SNV-CCVC đôn đốc ...pdf".
"""

from __future__ import annotations

import re

from gateway.pipeline.catalogue import Catalogue, DocType
from gateway.pipeline.read import dates, numbers
from gateway.pipeline.read.naming import fold, normal_case, strip_marks
from gateway.pipeline.read.reading import Reading, quote

_PREFIX = re.compile(r"^\s*((re|fw|fwd|tl|tr)\s*:\s*)+", re.IGNORECASE)
_OF = re.compile(r"\bcủa\s+(?P<who>.+?)(?=\s+(?:về|V/v|ngày|số)\b|$)", re.IGNORECASE)
_ABOUT = re.compile(r"(?:^|\s)(?P<lead>V/v|về việc|về)\s+(?P<text>.+)$", re.IGNORECASE)
_FILE_PARTY = re.compile(r"(?<![\w])(\d{1,5})[-_ ]([A-Za-zĐđ]{1,5})[-_ ]([A-Za-zĐđ]{1,10})(?![\w])")


def clean_subject(subject: str) -> str:
    return _PREFIX.sub("", subject).strip()


def type_in_text(text: str, catalogue: Catalogue, system: str | None) -> DocType | None:
    """A type named at the start of a subject ("Quyết định 797/...", "Gui cong van so ...")."""
    plain = strip_marks(text)
    plain = re.sub(r"^(gui|chuyen|kinh gui|v/v)\s+", "", plain)
    best: tuple[int, DocType] | None = None
    for entry in catalogue.doctypes:
        name = strip_marks(entry.name)
        if plain.startswith(name + " ") and (best is None or len(name) > best[0]):
            sys_ = system if system in entry.systems else entry.systems[0]
            best = (len(name), DocType(entry.code, entry.name, sys_))
    return best[1] if best else None


def number_from_filename(name: str, catalogue: Catalogue) -> numbers.NumberSymbol | None:
    """A number-symbol in a file name, which cannot hold '/'.

    "04-NQ-TU.pdf" -> 04-NQ/TU; "797-QD-UBND.pdf" -> 797/QĐ-UBND.
    """
    stem = name.rsplit("/", 1)[-1]
    for match in _FILE_PARTY.finditer(stem):
        num, kind, org = match.groups()
        for doc in catalogue.doctypes:
            for abbr in doc.abbreviations or [doc.code]:
                if strip_marks(abbr) == strip_marks(kind):
                    if (
                        "party" in doc.systems
                        and len(org) <= 6
                        and org.upper().endswith(("U", "W"))
                    ):
                        return numbers.parse(f"{num}-{abbr}/{org}", catalogue)
                    return numbers.parse(f"{num}/{abbr}-{org}", catalogue)
    return None


def read_subject(subject: str, file_name: str, catalogue: Catalogue, sender: str | None) -> Reading:
    """What the subject and the file name say about a document that cannot be read."""
    reading = Reading()
    text = clean_subject(subject)
    found = numbers.find_all(text, catalogue)
    if found:
        reading.number = found[0]
        reading.evidence["number_symbol"] = f"subject: {quote(text)} (no text layer)"
    elif (from_name := number_from_filename(file_name, catalogue)) is not None:
        reading.number = from_name
        reading.evidence["number_symbol"] = f"file name: {quote(file_name)} (no text layer)"
    if reading.number is not None:
        reading.system = reading.number.form
    if (day := dates.loose_date(text)) is not None:
        reading.issued_date = day
        reading.evidence["issued_date"] = f"subject: {quote(text)} (date after the number)"
    doc_type = type_in_text(text, catalogue, reading.system) or type_in_text(
        file_name, catalogue, reading.system
    )
    if doc_type is None and reading.number is not None and reading.number.type_abbr:
        doc_type = catalogue.doctype_for_abbreviation(reading.number.type_abbr, reading.system)
    if doc_type is None and reading.number is not None and reading.number.form == "state":
        doc_type = catalogue.letter("state")
    if doc_type is not None:
        reading.doc_type = doc_type
        reading.evidence["doc_type"] = f"subject or file name: {quote(text or file_name)}"
    if (who := _OF.search(text)) is not None:
        issuer = normal_case(who.group("who"), catalogue)
        if sender and fold(sender).startswith(fold(issuer)):
            issuer = sender  # "UBND tỉnh" sent by Ủy ban nhân dân tỉnh Hà Giang
        reading.issuer = issuer
        reading.evidence["issuer"] = f"subject: {quote(text)} ('của ...')"
    elif sender:
        reading.issuer = sender
        reading.evidence["issuer"] = "sender's official mailbox (organisations directory)"
    if (about := _ABOUT.search(text)) is not None:
        lead = about.group("lead")
        summary = about.group("text").rstrip(". …")
        if not lead.lower().startswith("v/v") and reading.system == "party":
            summary = f"{lead} {summary}"
        reading.summary = summary
        reading.evidence["summary"] = f"subject: {quote(text)} (after '{lead}')"
    return reading
