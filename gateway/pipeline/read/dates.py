"""Dates: the place-and-date line of a document and the loose forms of subjects and bodies."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

_DATE_LINE = re.compile(
    r"(?P<place>[^\d,;:()/]{2,40}?)\s*,\s*ng[àa]y\s*(?P<d>\d{1,2})\s*th[áa]ng\s*(?P<m>\d{1,2})"
    r"\s*n[ăa]m\s*(?P<y>\d{4})",
    re.IGNORECASE,
)
_WORDY = re.compile(
    r"ng[àa]y\s*(?P<d>\d{1,2})\s*th[áa]ng\s*(?P<m>\d{1,2})\s*n[ăa]m\s*(?P<y>\d{4})", re.IGNORECASE
)
_NUMERIC = re.compile(
    r"(?<![\d/.-])(?P<d>\d{1,2})\s*([./-])\s*(?P<m>\d{1,2})\s*\2\s*(?P<y>\d{4})(?!\d)"
)


def make_date(day: str, month: str, year: str) -> dt.date | None:
    try:
        value = dt.date(int(year), int(month), int(day))
    except ValueError:
        return None
    return value if 1945 <= value.year <= 2100 else None


def date_line(text: str) -> tuple[str, dt.date] | None:
    """``"Hà Giang, ngày 05 tháng 01 năm 2020"`` -> ("Hà Giang", 2020-01-05)."""
    text = unicodedata.normalize("NFC", text)
    match = _DATE_LINE.search(text)
    if match is None:
        return None
    value = make_date(match.group("d"), match.group("m"), match.group("y"))
    if value is None:
        return None
    place = match.group("place").strip(" -–*")
    # plain text may keep the tail of the number on the same line: "HU Đồng Văn"
    place = re.sub(r"^(?:[A-ZĐ]{1,10}(?:-[A-ZĐ]{1,10})*\s+)+(?=\S)", "", place) or place
    return place, value


def loose_date(text: str) -> dt.date | None:
    """First date in free text: "ngày 12 tháng 4 năm 2016", 12/4/2016, 12.4.2016, 12-04-2016."""
    text = unicodedata.normalize("NFC", text)
    candidates = []
    for pattern in (_WORDY, _NUMERIC):
        for match in pattern.finditer(text):
            value = make_date(match.group("d"), match.group("m"), match.group("y"))
            if value is not None:
                candidates.append((match.start(), value))
    return min(candidates)[1] if candidates else None
