"""Legacy Word (.doc) through antiword, on Word 97 files written by tests/pipeline/word97.py."""

from __future__ import annotations

import shutil

import pytest

from gateway.pipeline.documents import find_documents
from gateway.pipeline.parse import parse_message
from gateway.pipeline.text import plain
from gateway.pipeline.text.model import LEFT, RIGHT
from tests.pipeline import docgen
from tests.pipeline.catalogue_fixture import CATALOGUE
from tests.pipeline.word97 import word_document

needs_antiword = pytest.mark.skipif(
    shutil.which("antiword") is None, reason="antiword is not installed (bash .ci/setup)"
)
MSWORD = "application/msword"
STATE_CV = [
    "UBND TỈNH HÀ GIANG\tCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "SỞ NỘI VỤ\tĐộc lập - Tự do - Hạnh phúc",
    "Số: 215/SNV-VP\tHà Giang, ngày 12 tháng 4 năm 2021",
    "V/v đề nghị cử cán bộ tham gia",
    "tập huấn công tác văn thư, lưu trữ",
    "Kính gửi: Các sở, ban, ngành tỉnh",
    "Thực hiện Kế hoạch số 35/KH-UBND ngày 01/3/2021 của UBND tỉnh, Sở Nội vụ đề nghị các cơ "
    "quan, đơn vị cử cán bộ tham gia lớp tập huấn.",
]


@needs_antiword
def test_antiword_reads_vietnamese_and_the_two_columns() -> None:
    """Unicode text comes out intact; a tab-stop header row becomes a LEFT and a RIGHT line."""
    doc = plain.extract_doc(word_document(STATE_CV))
    assert doc.error is None
    assert "Hà Giang, ngày 12 tháng 4 năm 2021" in doc.text
    assert [(line.text, line.column) for line in doc.lines[:2]] == [
        ("UBND TỈNH HÀ GIANG", LEFT),
        ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", RIGHT),
    ]


@needs_antiword
def test_doc_cong_van_is_classified() -> None:
    """A công văn in a .doc attachment is read like any other document."""
    raw = docgen.email_with("Công văn đề nghị cử cán bộ", [("215.doc", word_document(STATE_CV),
                            MSWORD)], sender="vanthu.snv@hagiang.gov.vn")  # fmt: skip
    message = parse_message(raw)
    (doc,) = find_documents(message, CATALOGUE).documents
    assert message.parts[doc.files[0].part_index].detected_type == MSWORD
    assert (doc.doc_type, doc.number_symbol, doc.issuer) == (
        "CV", "215/SNV-VP", "Sở Nội vụ tỉnh Hà Giang"
    )  # fmt: skip
    assert doc.issued_date is not None and doc.issued_date.isoformat() == "2021-04-12"
    assert doc.summary == "đề nghị cử cán bộ tham gia tập huấn công tác văn thư, lưu trữ"
    assert doc.evidence["number_symbol"].startswith("215.doc: doc text")


@needs_antiword
def test_doc_beside_its_pdf_is_the_alternate() -> None:
    """The .doc of a PDF (same number and date) is its alternate, the PDF stays main."""
    header = docgen.Header(
        "UBND TỈNH HÀ GIANG", "SỞ NỘI VỤ", "Số: 215/SNV-VP", "Hà Giang, ngày 12 tháng 4 năm 2021",
        None, ["V/v đề nghị cử cán bộ tham gia", "tập huấn công tác văn thư, lưu trữ"],
        party=False,
    )  # fmt: skip
    raw = docgen.email_with("Công văn", [
        ("215.doc", word_document(STATE_CV), MSWORD),
        ("215.pdf", docgen.official_pdf(header), "application/pdf"),
    ], sender="vanthu.snv@hagiang.gov.vn")  # fmt: skip
    message = parse_message(raw)
    (doc,) = find_documents(message, CATALOGUE).documents
    assert [(message.parts[f.part_index].name, f.role) for f in doc.files] == [
        ("215.pdf", "main"), ("215.doc", "alternate")
    ]  # fmt: skip


@needs_antiword
def test_broken_doc_falls_back_to_the_subject() -> None:
    """A .doc antiword cannot read is kept and registered from the subject, with the reason."""
    broken = word_document(STATE_CV)[:1024]
    raw = docgen.email_with("Công văn số 215/SNV-VP ngày 12/4/2021 về việc cử cán bộ tập huấn",
                            [("215.doc", broken, MSWORD)],
                            sender="vanthu.snv@hagiang.gov.vn")  # fmt: skip
    (doc,) = find_documents(parse_message(raw), CATALOGUE).documents
    assert doc.number_symbol == "215/SNV-VP"
    assert "antiword failed" in doc.evidence["text"]


def test_without_antiword_the_doc_is_kept_unread(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where antiword is missing, extraction says so instead of failing."""
    monkeypatch.setattr(plain.shutil, "which", lambda _name: None)
    doc = plain.extract_doc(word_document(STATE_CV))
    assert doc.error is not None and "antiword is not installed" in doc.error
