"""Recognise text typed in legacy Vietnamese fonts (TCVN3/ABC, VNI) and convert it to Unicode.

Documents typed with ``.VnTime`` (TCVN3) or ``VNI-Times`` fonts extract as Latin-1 mojibake:
"Qu¶n lý" (TCVN3) or "Quaûn lyù" (VNI) for "Quản lý". Detection counts characters that only
the legacy encodings produce; text that already has Vietnamese Unicode letters is left alone.
"""

from __future__ import annotations

import re
import unicodedata

# TCVN3 (TCVN 5712:1993, VN3): lower-case letters, then the upper-case ones it has.
_TCVN3_UNICODE = "àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵĂÂĐÊÔƠƯ"
_TCVN3_LEGACY = "µ¸¶·¹¨»¾¼½Æ©ÇÊÈÉË®ÌÐÎÏÑªÒÕÓÔÖ×ÝØÜÞßãáâä«åèæçé¬êíëìîïóñòô\xadõøö÷ùúýûüþ¡¢§£¤¥¦"
TCVN3_MAP = dict(zip(_TCVN3_LEGACY, _TCVN3_UNICODE, strict=True))
# Characters only TCVN3 produces (never in Unicode Vietnamese, nor in VNI).
_TCVN3_ONLY = frozenset("µ¸¶·¹¨»¾¼½©Ç®ª«¬¡¢§£¤¥¦×Þßç÷þ")
_TCVN3_ONLY_RE = re.compile("[" + re.escape("".join(sorted(_TCVN3_ONLY))) + "]")

_TONES = ("", "\u0301", "\u0300", "\u0309", "\u0303", "\u0323")  # sắc huyền hỏi ngã nặng
_PLAIN_TONES = ("", "ù", "ø", "û", "õ", "ï")
_HAT_TONES = ("â", "á", "à", "å", "ã", "ä")  # after a/e/o: circumflex + tone
_BREVE_TONES = ("ê", "é", "è", "ú", "ü", "ë")  # after a: breve + tone


def _vni_table() -> dict[str, str]:
    table: dict[str, str] = {}

    def add(legacy: str, base: str, mark: str, tone: int) -> None:
        uni = unicodedata.normalize("NFC", base + mark + _TONES[tone])
        table[legacy] = uni
        table[legacy.upper()] = uni.upper()

    for vowel in "aeouy":
        for tone, suffix in enumerate(_PLAIN_TONES):
            if suffix:
                add(vowel + suffix, vowel, "", tone)
    table["î"], table["Î"] = "ỵ", "Ỵ"
    table.pop("yï", None)
    table.pop("YÏ", None)
    for vowel in "aeo":
        for tone, suffix in enumerate(_HAT_TONES):
            add(vowel + suffix, vowel, "\u0302", tone)
    for tone, suffix in enumerate(_BREVE_TONES):
        add("a" + suffix, "a", "\u0306", tone)
    for legacy, base in (("ô", "o"), ("ö", "u")):
        for tone, suffix in enumerate(_PLAIN_TONES):
            add(legacy + suffix, base, "\u031b", tone)
    for legacy, uni in zip("íìæóò", "íìỉĩị", strict=True):
        table[legacy], table[legacy.upper()] = uni, uni.upper()
    table["ñ"], table["Ñ"] = "đ", "Đ"
    return table


VNI_MAP = _vni_table()
_VNI_PATTERN = re.compile("|".join(sorted(map(re.escape, VNI_MAP), key=len, reverse=True)))
_VNI_EVIDENCE = re.compile(r"[aeouyAEOUY][ùøûõïÙØÛÕÏ]|[aeoAEO][âåäÂÅÄ]|a[êéèúüë]|[ñÑöÖ]")
_UNICODE_VIET = re.compile(r"[\u1ea0-\u1ef9ăĂđĐơƠưƯĩĨũŨ]")


def detect(text: str) -> str | None:
    """ "TCVN3", "VNI" or None (already Unicode, or plain ASCII)."""
    sample = text[:20000]
    unicode_viet = len(_UNICODE_VIET.findall(sample))
    tcvn = len(_TCVN3_ONLY_RE.findall(sample))
    vni = len(_VNI_EVIDENCE.findall(sample))
    best, score = ("TCVN3", tcvn) if tcvn >= vni else ("VNI", vni)
    if score >= 3 and score > unicode_viet * 2:
        return best
    return None


def convert(text: str, encoding: str) -> str:
    """Convert legacy-font text to NFC Unicode."""
    if encoding == "TCVN3":
        out = "".join(TCVN3_MAP.get(ch, ch) for ch in text)
    elif encoding == "VNI":
        out = _VNI_PATTERN.sub(lambda m: VNI_MAP[m.group(0)], text)
    else:
        raise ValueError(f"unknown legacy encoding {encoding!r}")
    return unicodedata.normalize("NFC", out)
