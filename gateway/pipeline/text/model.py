"""What text extraction produces: first-page lines with what layout is known, and the full text."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

LEFT = 0
RIGHT = 1
# Twenty word characters, whatever lies between them: one regex pass, no list of matches.
_ENOUGH_TEXT = re.compile(r"(?:\W*\w){20}")


@dataclass
class Line:
    """One line (or one column's share of a line) of the first page, in reading order."""

    text: str
    column: int | None = None  # LEFT, RIGHT, or None when unknown / full width
    bold: bool | None = None  # None: the format does not say
    italic: bool | None = None
    size: float | None = None
    y: float | None = None  # distance from the top of the page, in points


@dataclass
class DocText:
    """The text of one file, NFC, legacy fonts converted."""

    kind: str  # pdf | docx | odt | doc | text | html | image | unknown
    lines: list[Line] = field(default_factory=list)  # first page, reading order
    text: str = ""  # what was read: every page, except PDFs (see pages_read)
    pages: int = 0
    pages_read: int = 0  # PDF pages in ``text`` (the first one or two: registration data)
    legacy: str | None = None  # "TCVN3" or "VNI" when the text was converted
    error: str | None = None  # why the text could not be read

    @property
    def has_text(self) -> bool:
        """At least 20 word characters in the first 2000 (a scan's stray marks are not text)."""
        return _ENOUGH_TEXT.match(self.text[:2000]) is not None
