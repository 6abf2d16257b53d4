"""Folding and number-symbol keys: the text both search backends index."""

from __future__ import annotations

import unicodedata

import pytest

from gateway.archive.search.fold import fold, key, number_key, number_symbol_in, words
from gateway.archive.search.query import parse

VIETNAMESE = (
    "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ"
)


def test_fold_removes_every_vietnamese_diacritic_and_the_stroke_of_đ():
    """Each Vietnamese letter, lower and upper case, folds to a plain ASCII letter."""
    for text in (VIETNAMESE, VIETNAMESE.upper()):
        folded = fold(text)
        assert folded.isascii() and len(folded) == len(text)
    assert fold("Đường biên giới ĐỒNG VĂN") == "Duong bien gioi DONG VAN"


def test_nfd_text_folds_like_nfc():
    """Decomposed input (a Mac keyboard, some PDFs) folds to the same text as composed."""
    text = "Tỉnh ủy Hà Giang về đường biên giới"
    assert fold(unicodedata.normalize("NFD", text)) == fold(text)
    assert words(unicodedata.normalize("NFD", text)) == words(text)


def test_key_is_folded_and_case_insensitive():
    """Keys compare without case or diacritics."""
    assert key("TỈNH ỦY") == key("tinh uy") == "tinh uy"


@pytest.mark.parametrize(
    "typed",
    ["04-NQ/TU", "04 - NQ / TU", "04–NQ/TU", "04-nq/tu", "4-NQ/TU", "Số 04-NQ/TU", "số: 04-nq/tu"],
)
def test_number_symbol_variants_share_one_key(typed: str):
    """Spacing, dashes, case, a leading zero and the word "Số" do not change the key."""
    assert number_symbol_in(typed) is not None
    assert number_key(number_symbol_in(typed) or "") == "4-nq-tu"


def test_legal_number_symbols_keep_their_year():
    """A legal-normative number keeps the year and the agency: 108/2014/NĐ-CP."""
    assert number_key("108/2014/NĐ-CP") == "108-2014-nd-cp"
    assert number_key("05/BNV-VP") == "5-bnv-vp"


@pytest.mark.parametrize("typed", ["đường biên giới", "kiểm tra 2026", "NQ", "04"])
def test_plain_words_are_not_number_symbols(typed: str):
    """Words, and a lone number, are searched as text."""
    assert number_symbol_in(typed) is None


def test_query_reads_phrases_and_words():
    """Quoted text is a phrase; other words are separate terms; diacritics are noticed."""
    query = parse('"biên giới" kiểm tra')
    assert query.terms == (("biên", "giới"), ("kiểm",), ("tra",))
    assert query.folded_terms == (("bien", "gioi"), ("kiem",), ("tra",))
    assert query.accented and not parse("bien gioi").accented
