"""Which files make one document: main file, alternates (the DOCX of the same PDF), appendices.

Files whose headers carry the same number-symbol and date are one document; an appendix joins
the document it names ("Kèm theo Kế hoạch số 336/KH-UBND"), or the only document there is.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gateway.pipeline.message import Part
from gateway.pipeline.read.naming import fold, strip_marks
from gateway.pipeline.read.reading import Reading
from gateway.pipeline.text.model import DocText

FORMAT_ORDER = {"pdf": 0, "docx": 1, "odt": 2, "doc": 3}


@dataclass
class Candidate:
    part: Part
    kind: str  # document | sheet | signature
    text: DocText
    reading: Reading

    @property
    def name(self) -> str:
        return self.part.name or f"part {self.part.index + 1}"


@dataclass
class Group:
    """One document to register: its files with roles, and the reading its fields come from."""

    main: Candidate
    alternates: list[Candidate] = field(default_factory=list)
    appendices: list[Candidate] = field(default_factory=list)
    others: list[tuple[Candidate, str]] = field(default_factory=list)  # (file, role)

    def key(self) -> str | None:
        return _key(self.main.reading)

    def mentions(self, text: str) -> bool:
        number = self.main.reading.number
        if number is None:
            return False
        plain = strip_marks(text).replace("_", "-").replace("/", "-").replace(" ", "")
        return strip_marks(number.text).replace("/", "-") in plain


def _key(reading: Reading) -> str | None:
    if reading.number is not None:
        return f"{reading.number.text}|{reading.issued_date}"
    if reading.summary and reading.issued_date:
        return f"{fold(reading.summary)}|{reading.issued_date}"
    return None


def group_officials(officials: list[Candidate]) -> list[Group]:
    """Same key -> one group; the main file is the PDF where there is one."""
    groups: list[Group] = []
    by_key: dict[str, Group] = {}
    ordered = sorted(officials, key=lambda c: (FORMAT_ORDER.get(c.text.kind, 9), c.part.index))
    for candidate in ordered:
        key = _key(candidate.reading)
        if key is not None and key in by_key:
            by_key[key].alternates.append(candidate)
            continue
        group = Group(candidate)
        groups.append(group)
        if key is not None:
            by_key[key] = group
    groups.sort(key=lambda g: g.main.part.index)
    return groups


def home_for_appendix(appendix: Candidate, groups: list[Group]) -> Group | None:
    """The group an appendix names, else the only (or first) group."""
    for reference in appendix.reading.references:
        for group in groups:
            number = group.main.reading.number
            if number is not None and number.text == reference.text:
                return group
    for group in groups:
        if group.mentions(appendix.name):
            return group
    return groups[0] if groups else None


def home_for_unread(candidate: Candidate, groups: list[Group]) -> Group | None:
    """A file that cannot be read joins a group only when its name names that group."""
    for group in groups:
        if group.mentions(candidate.name):
            return group
    return None
