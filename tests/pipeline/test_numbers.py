"""Number-symbol parsing over real-world and hostile forms."""

from __future__ import annotations

import pytest

from gateway.pipeline.read import numbers
from tests.pipeline.catalogue_fixture import CATALOGUE

CASES = [
    ("04-NQ/TU", "04-NQ/TU", 4, "party"),
    ("20-CTr/HU", "20-CTr/HU", 20, "party"),
    ("123-CV/HU", "123-CV/HU", 123, "party"),
    ("86-BC/ĐU", "86-BC/ĐU", 86, "party"),
    ("709-QĐ/UBKTTU", "709-QĐ/UBKTTU", 709, "party"),
    ("123/QĐ-UBND", "123/QĐ-UBND", 123, "state"),
    ("05/BNV-VP", "05/BNV-VP", 5, "state"),
    ("108/2014/NĐ-CP", "108/2014/NĐ-CP", 108, "state"),
    ("09/2020/TT-BNV", "09/2020/TT-BNV", 9, "state"),
    ("3461/UBND-KGVX", "3461/UBND-KGVX", 3461, "state"),
    ("47/TTr-PNV", "47/TTr-PNV", 47, "state"),
    # spaces, dash variants, case, look-alikes, OCR noise
    ("04 - NQ / TU", "04-NQ/TU", 4, "party"),
    ("04–NQ/TU", "04-NQ/TU", 4, "party"),
    ("04—nq/tu", "04-NQ/TU", 4, "party"),
    ("02-ctr/tu", "02-CTr/TU", 2, "party"),
    ("797 /QÐ-UBND", "797/QĐ-UBND", 797, "state"),
    ("797/qđ-ubnd", "797/QĐ-UBND", 797, "state"),
    ("O4-NQ/TU", "04-NQ/TU", 4, "party"),
    ("1l2/QĐ-UBND", "112/QĐ-UBND", 112, "state"),
    ("01 / 2017 / QĐ - UBND", "01/2017/QĐ-UBND", 1, "state"),
]


@pytest.mark.parametrize(("raw", "canonical", "number", "form"), CASES)
def test_parse_forms(raw: str, canonical: str, number: int, form: str) -> None:
    """Every printed form reads to the canonical number-symbol, number and system."""
    found = numbers.parse(raw, CATALOGUE)
    assert found is not None
    assert (found.text, found.number, found.form) == (canonical, number, form)


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "Số",
        "12/4/2016",
        "2 - Tháng 5/2016",
        "ABC",
        "/QĐ-UBND",
        "99-XYZ/TU",
        "<script>",
        "1" * 50,
    ],
)
def test_parse_rejects(raw: str) -> None:
    """Dates, empty numbers, unknown Party types and garbage are not number-symbols."""
    assert numbers.parse(raw, CATALOGUE) is None


def test_state_letter_has_no_type() -> None:
    """A State công văn symbol names issuer and drafting unit, no type."""
    found = numbers.parse("2539/SNV-CCVC", CATALOGUE)
    assert found is not None and found.type_abbr is None and found.issuer_abbr == "SNV-CCVC"


@pytest.mark.parametrize(
    "line",
    [
        "Số: 553-CV/HU",
        "Số 04-NQ/TU Hà Giang, ngày 12 tháng 4 năm 2016",
        "SỐ: 12/QĐ-UBND",
        "So: 12/QĐ-UBND",
    ],
)
def test_number_line(line: str) -> None:
    """The "Số"/"Số:" line is recognised with or without colon, diacritics or trailing date."""
    found = numbers.number_line(line, CATALOGUE)
    assert found is not None and found[0] is not None


def test_find_all_in_subject() -> None:
    """Every number-symbol a subject mentions is found, in order."""
    found = numbers.find_all("Gửi Giấy mời số 134-GM/VPTU và thông báo số 310-TB/VPTU", CATALOGUE)
    assert [f.text for f in found] == ["134-GM/VPTU", "310-TB/VPTU"]


def test_hostile_long_input_is_fast() -> None:
    """A very long line of separators does not hang the parser."""
    assert numbers.find_all("1-" * 5000 + "/" * 5000, CATALOGUE) == []
