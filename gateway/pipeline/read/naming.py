"""Names of bodies: a header line in capitals becomes the full official name in normal case.

"UBND TỈNH HÀ GIANG" -> "Ủy ban nhân dân tỉnh Hà Giang"; a generic line ("SỞ NỘI VỤ", "BAN TỔ
CHỨC") is completed from the superior body above it; known bodies are mapped to their canonical
name through the organisations directory. Everything language-specific is data in rules/.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from gateway.pipeline.catalogue import BodyWords, Catalogue

# Old-style tone placement (hoà, thuỷ) -> the placement used in registers (hòa, thủy).
_OLD_TONES = {
    "oà": "òa", "oá": "óa", "oả": "ỏa", "oã": "õa", "oạ": "ọa",
    "oè": "òe", "oé": "óe", "oẻ": "ỏe", "oẽ": "õe", "oẹ": "ọe",
    "uỳ": "ùy", "uý": "úy", "uỷ": "ủy", "uỹ": "ũy", "uỵ": "ụy",
}  # fmt: skip
_OLD_TONE_RE = re.compile(
    "("
    + "|".join(_OLD_TONES)
    + r")(?![a-zàáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ])",
    re.IGNORECASE,
)


def modern_tones(text: str) -> str:
    def swap(match: re.Match[str]) -> str:
        found = match.group(0)
        new = _OLD_TONES[found.lower()]
        if found[0].isupper():
            new = new[0].upper() + new[1:]
        if found[1].isupper():
            new = new[0] + new[1].upper()
        return new

    return _OLD_TONE_RE.sub(swap, unicodedata.normalize("NFC", text))


@functools.lru_cache(maxsize=4096)
def fold(text: str) -> str:
    """Upper case, single spaces, modern tones: the form names are compared in."""
    text = modern_tones(unicodedata.normalize("NFC", text))
    return re.sub(r"\s+", " ", text).strip().upper()


@functools.lru_cache(maxsize=4096)  # the same subjects and file names are compared often
def strip_marks(text: str) -> str:
    """No diacritics, đ -> d, lower case (for comparing subjects typed without accents)."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in text if unicodedata.category(ch) != "Mn").lower()


def expand(text: str, catalogue: Catalogue) -> str:
    words = []
    for word in fold(text).split(" "):
        words.append(catalogue.naming.abbreviations.get(word, word))
    return " ".join(words)


def _title(word: str) -> str:
    return word[:1].upper() + word[1:].lower()


@functools.lru_cache(maxsize=64)
def _by_length(names: tuple[str, ...]) -> list[tuple[list[str], str]]:
    """(folded words, name) for each name, longest first (so the first match is the longest)."""
    return sorted(((fold(n).split(" "), n) for n in names), key=lambda item: -len(item[0]))


def _longest(
    candidates: list[tuple[list[str], str]], words: list[str], index: int
) -> tuple[list[str], str] | None:
    """The first (longest, as the list is sorted) candidate whose words start at ``index``."""
    return next((c for c in candidates if words[index : index + len(c[0])] == c[0]), None)


def normal_case(text: str, catalogue: Catalogue) -> str:
    """Capitals (or any case) -> the official normal case of a body's name."""
    naming = catalogue.naming
    words = fold(expand(text, catalogue)).split(" ")
    phrases = _by_length(tuple(naming.phrases))
    units = _by_length(tuple(naming.admin_units))
    place_after = {fold(p) for p in naming.place_after}
    not_units = [fold(w).split(" ") for w in naming.not_units]
    out: list[str] = []
    index = 0
    place = False  # inside a place name: every word capitalised
    part_start = True  # at the start of a part of a department name
    while index < len(words):
        common = next((n for n in not_units if words[index : index + len(n)] == n), None)
        if common is not None and not place:
            for word in common:
                out.append(_title(word) if part_start else word.lower())
                part_start = False
            index += len(common)
            continue
        unit = _longest(units, words, index)
        phrase = None if place else _longest(phrases, words, index)
        # The longer match wins: "TỈNH ỦY" is the phrase "Tỉnh ủy", not the unit "tỉnh".
        if unit is not None and (phrase is None or len(unit[0]) >= len(phrase[0])):
            out.append(unit[1])
            index += len(unit[0])
            place = True
        elif phrase is not None:
            out.append(phrase[1])
            index += len(phrase[0])
            place = fold(phrase[1]) in place_after
            part_start = True
        else:
            word = words[index]
            if place:
                out.append(_title(word))
            elif word in ("VÀ", "-", ","):
                out.append(word.lower())
                part_start = True
            else:
                out.append(_title(word) if part_start else word.lower())
                part_start = word.endswith(",")
            index += 1
    return re.sub(r" ,", ",", " ".join(out))


def body_kind(text: str, catalogue: Catalogue) -> BodyWords | None:
    """The [[body]] entry whose opening words start ``text`` (longest match), if any."""
    folded = fold(text)
    best: tuple[int, BodyWords] | None = None
    for body in catalogue.bodies:
        for start in body.starts:
            start_f = fold(start)
            if (folded == start_f or folded.startswith(start_f + " ")) and (
                best is None or len(start_f) > best[0]
            ):
                best = (len(start_f), body)
    return best[1] if best else None


def has_place(name: str, catalogue: Catalogue) -> bool:
    words = f" {fold(name)} "
    for common in catalogue.naming.not_units:
        words = words.replace(f" {fold(common)} ", " ")
    return any(f" {fold(unit)} " in words for unit in catalogue.naming.admin_units)


def place_of(name: str, catalogue: Catalogue) -> str | None:
    """ "Ủy ban nhân dân tỉnh Hà Giang" -> "tỉnh Hà Giang"."""
    lowered = f" {name} "
    best = None
    for unit in catalogue.naming.admin_units:
        position = lowered.find(f" {unit} ")
        if position >= 0 and (best is None or position < best):
            best = position
    return lowered[best:].strip() if best is not None else None


def canonical(name: str, catalogue: Catalogue) -> str:
    """Map a name to the directory's canonical name of the same body, if it is known."""
    folded = fold(name)
    for org in catalogue.organisations:
        if folded == fold(org.name) or any(folded == fold(alias) for alias in org.aliases):
            return org.name
    return name


def issuer_name(own: str, superior: str | None, catalogue: Catalogue) -> tuple[str, str]:
    """The full name of the body printed as ``own`` under ``superior``, and how it was made."""
    own_name = normal_case(own, catalogue)
    kind = body_kind(own, catalogue)
    how = "issuer line of the left header column"
    if (
        superior
        and kind is not None
        and kind.complete != "never"
        and not has_place(own_name, catalogue)
    ):
        superior_name = canonical(normal_case(superior, catalogue), catalogue)
        if kind.complete == "place" and (place := place_of(superior_name, catalogue)):
            own_name, how = f"{own_name} {place}", "completed with the place of the line above"
        elif kind.complete == "superior" or kind.complete == "place":
            own_name, how = f"{own_name} {superior_name}", "completed with the body above"
    elif superior and (named := _name_bare_unit(own_name, superior, catalogue)) is not None:
        own_name, how = named, "its unit named with the place of the line above"
    return canonical(own_name, catalogue), how


def _name_bare_unit(own_name: str, superior: str, catalogue: Catalogue) -> str | None:
    """A name ending with a bare unit ("Đảng ủy Khối các cơ quan tỉnh") takes the place name
    of the body above ("Đảng bộ tỉnh Hà Giang"): "... tỉnh Hà Giang"."""
    head, _, last = own_name.rpartition(" ")
    if not head or last not in catalogue.naming.admin_units:
        return None
    place = place_of(canonical(normal_case(superior, catalogue), catalogue), catalogue)
    if place is None or not place.startswith(last + " "):
        return None
    return f"{head} {place}"
