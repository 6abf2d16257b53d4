"""Vietnamese text folding: the one definition of "diacritic-, case- and đ-insensitive".

SQLite indexes the folded text this module produces; PostgreSQL folds with its own
``unaccent`` dictionary, and a test checks that both agree on the whole Vietnamese alphabet.
FTS5's ``remove_diacritics`` and Unicode decomposition both leave đ/Đ alone (the stroke is
not a combining mark), so it is mapped here by hand.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Letters that carry their "accent" in the base character, not as a combining mark.
STROKES = {"đ": "d", "Đ": "D", "ð": "d", "Ð": "D"}
# A word is a run of letters and digits: the same rule as FTS5's unicode61 tokenizer
# (underscore and punctuation separate words), so both backends see the same words.
WORD = re.compile(r"[^\W_]+")
# A number, then parts separated by dashes, slashes, dots or spaces ("Số" may precede it);
# at least one dash or slash, so that "kiểm tra 2026" or "04 nq" stay plain words.
NUMBER_SYMBOL = re.compile(
    r"^\s*(?:s[ốo]\s*:?\s*)?(\d+(?:\s*[-‐‑–—/.\s]\s*[^\W_]+)+)\s*$", re.IGNORECASE
)
DASH_OR_SLASH = re.compile(r"[-‐‑–—/]")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@lru_cache(maxsize=4096)
def fold_char(char: str) -> str:
    """One character without its diacritics ("" for a lone combining mark)."""
    if char in STROKES:
        return STROKES[char]
    if char.isascii():
        return char
    decomposed = unicodedata.normalize("NFD", char)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold(text: str) -> str:
    """Text without diacritics and with đ→d, case kept: "Đường" → "Duong" (NFD input too)."""
    text = nfc(text)
    if text.isascii():
        return text
    return "".join(fold_char(c) for c in text)


def key(text: str) -> str:
    """Folded and lower-cased: what equality and substring filters compare."""
    return fold(text).casefold()


def words(text: str) -> list[str]:
    """The words of a text, NFC, as written (the tokenizers lower-case them)."""
    return WORD.findall(nfc(text))


def number_key(text: str) -> str:
    """A number-symbol reduced to its parts: "Số 04 – nq/TU" and "4-NQ/TU" give "4-nq-tu"."""
    parts = WORD.findall(key(text))
    if parts[:1] == ["so"]:  # the "Số:" printed before the number
        parts = parts[1:]
    return "-".join(p.lstrip("0") or "0" if p.isdigit() else p for p in parts)


def number_symbol_in(query: str) -> str | None:
    """The number-symbol when that is all the query is: "04-NQ/TU", "số 123/QĐ-UBND",
    "108 / 2014 / NĐ-CP" (without the "Số"); None for anything else."""
    match = NUMBER_SYMBOL.match(nfc(query))
    if match is None or not DASH_OR_SLASH.search(match.group(1)):
        return None
    return match.group(1)
