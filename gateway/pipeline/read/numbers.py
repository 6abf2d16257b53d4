"""Number-symbol (số, ký hiệu) in its State and Party forms.

State: ``123/QĐ-UBND``, công văn ``05/BNV-VP`` (no type), legal-normative ``108/2014/NĐ-CP``.
Party: ``04-NQ/TU``, ``123-CV/HU``. Tolerates spaces, dash variants, lower case, the Icelandic
Ð that PDFs use for Đ, and OCR confusions in the number (O for 0, l/I for 1).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from gateway.pipeline.catalogue import Catalogue

_DASHES = dict.fromkeys(map(ord, "‐‑‒–—―−﹣－_"), "-")
_LOOKALIKES = {ord("Ð"): "Đ", ord("ð"): "đ", ord("Ɖ"): "Đ", ord("／"): "/", ord("⁄"): "/"}
_OCR_DIGITS = str.maketrans({"O": "0", "o": "0", "Q": "0", "D": "0", "l": "1", "I": "1",
                             "|": "1", "i": "1", "S": "5", "B": "8", "Z": "2"})  # fmt: skip
_LETTER = r"A-Za-zĐđ"
_NUM = r"(?P<num>[0-9][0-9OoIl|]{0,5}|[OoIl|][0-9][0-9OoIl|]{0,4})"
_PART = rf"[{_LETTER}][{_LETTER}0-9.]*"
STATE = re.compile(
    rf"{_NUM}(?:/(?P<year>(?:19|20)\d\d))?/(?P<sym>{_PART}(?:-[{_LETTER}0-9][{_LETTER}0-9.]*)*)"
)
PARTY = re.compile(rf"{_NUM}-(?P<type>[{_LETTER}]{{1,5}})/(?P<org>{_PART}(?:-{_PART})*)")
# "Số:", "Số", "SỐ", "So:", OCR "S6:" at the start of a line.
NUMBER_LINE = re.compile(r"^\s*(?:S[ốoóòỏõọôồổỗộƠơỐ6]|SỐ)\s*[:.;]?\s*(?P<rest>.*)$", re.IGNORECASE)


@dataclass(frozen=True)
class NumberSymbol:
    text: str  # canonical: "04-NQ/TU", "123/QĐ-UBND", "01/2017/QĐ-UBND"
    number: int
    form: str  # "state" | "party"
    type_abbr: str | None  # the type part ("NQ", "QĐ"), None for a State công văn
    issuer_abbr: str  # "TU", "UBND", "SNV-CCVC"
    year: int | None = None


def clean(text: str) -> str:
    """Normalise dashes, look-alike letters and spaces around separators."""
    text = unicodedata.normalize("NFC", text).translate(_DASHES).translate(_LOOKALIKES)
    text = re.sub(r"\s*([/-])\s*", r"\1", text)
    return re.sub(r"[ \t\u00a0]+", " ", text).strip()


def _case(part: str, catalogue: Catalogue) -> str:
    upper = part.upper()
    return catalogue.official_case.get(upper, upper)


def _number(raw: str) -> int | None:
    digits = raw.translate(_OCR_DIGITS)
    return int(digits) if digits.isdigit() else None


def parse(text: str, catalogue: Catalogue) -> NumberSymbol | None:
    """Read a number-symbol at the start of ``text``."""
    return _parse_at(clean(text), 0, catalogue)


def _parse_at(text: str, pos: int, catalogue: Catalogue) -> NumberSymbol | None:
    found: list[tuple[int, NumberSymbol]] = []
    for pattern, form in ((PARTY, "party"), (STATE, "state")):
        match = pattern.match(text, pos)
        if match is None:
            continue
        number = _number(match.group("num"))
        if number is None:
            continue
        if form == "party":
            type_abbr = _case(match.group("type"), catalogue)
            if catalogue.doctype_for_abbreviation(type_abbr, "party") is None:
                continue
            org = "-".join(p.upper() for p in match.group("org").split("-"))
            canonical = f"{match.group('num').translate(_OCR_DIGITS)}-{type_abbr}/{org}"
            found.append((match.start(), NumberSymbol(canonical, number, form, type_abbr, org)))
        else:
            parts = [_case(p.rstrip("."), catalogue) for p in match.group("sym").split("-")]
            first = parts[0]
            is_type = len(parts) > 1 and catalogue.doctype_for_abbreviation(first, "state")
            state_type: str | None = first if is_type else None
            issuer = "-".join(parts[1:] if is_type else parts)
            year = int(match.group("year")) if match.group("year") else None
            head = match.group("num").translate(_OCR_DIGITS) + (f"/{year}" if year else "")
            canonical = f"{head}/{'-'.join(parts)}"
            found.append(
                (match.start(), NumberSymbol(canonical, number, form, state_type, issuer, year))
            )
    if not found:
        return None
    found.sort(key=lambda item: item[0])
    return found[0][1]


def number_line(text: str, catalogue: Catalogue) -> tuple[NumberSymbol | None, str] | None:
    """If ``text`` is a "Số: ..." line, the number-symbol on it (or None if unreadable)."""
    match = NUMBER_LINE.match(clean(text))
    if match is None:
        return None
    rest = match.group("rest")
    if not rest or not (rest[0].isdigit() or rest[0] in "OoIl|"):
        return None
    return parse(rest, catalogue), rest


def find_all(text: str, catalogue: Catalogue) -> list[NumberSymbol]:
    """Every number-symbol mentioned in a free text (subject, file name, body)."""
    out: list[NumberSymbol] = []
    cleaned = clean(text)
    for match in re.finditer(r"(?<![\w/-])[0-9]", cleaned):
        found = _parse_at(cleaned, match.start(), catalogue)
        if found is not None and found not in out:
            out.append(found)
    return out
