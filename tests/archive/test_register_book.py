"""The register book: Nghị định 30's ten columns, as CSV and as an A4 landscape PDF."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import subprocess
from pathlib import Path

import pytest

from gateway.app import App
from gateway.archive.register_book import INCOMING, load_book, write_csv
from gateway.archive.register_pdf import write_pdf
from gateway.errors import NotFound
from tests.support.archive import add_document

COLUMNS = ["Ngày đến", "Số đến", "Tác giả", "Số, ký hiệu", "Ngày tháng văn bản",
           "Tên loại và trích yếu nội dung", "Đơn vị hoặc người nhận", "Ngày chuyển",
           "Ký nhận", "Ghi chú"]  # fmt: skip


@pytest.fixture
def book_2026(app: App) -> App:
    add_document(app, doc_type="NQ", doc_type_name="Nghị quyết", number_symbol="04-NQ/TU",
                 issuer="Tỉnh ủy Hà Giang", issued_date=dt.date(2026, 4, 12),
                 summary="về tăng cường công tác cán bộ", urgency="urgent")  # fmt: skip
    add_document(app, doc_type="CV", doc_type_name="Công văn", number_symbol="123-CV/HU",
                 issuer="Huyện ủy Đồng Văn", issued_date=dt.date(2026, 5, 2),
                 summary="V/v kiểm tra đường biên giới", secrecy="confidential")  # fmt: skip
    add_document(app, year=2025, number_symbol="9-TB/TU", summary="năm trước")
    return app


def test_csv_has_the_ten_official_columns_and_one_row_per_number(book_2026: App):
    """Header = the ten columns of Phụ lục IV; rows in number order, only the year asked."""
    with book_2026.db.transaction() as session:
        book = load_book(session, 2026, "huyenuy-meovac", None)
    rows = list(csv.reader(io.StringIO(write_csv(book))))
    assert rows[0] == COLUMNS == [c.header for c in INCOMING]
    assert [r[1] for r in rows[1:]] == ["1", "2"]
    assert rows[1][2:6] == ["Tỉnh ủy Hà Giang", "04-NQ/TU", "12/04/2026",
                            "Nghị quyết về tăng cường công tác cán bộ"]  # fmt: skip
    assert rows[1][9] == "Khẩn" and rows[2][9] == "Mật"


def test_register_needs_an_organisation_when_there_are_several(book_2026: App):
    """Two organisations configured: --org is required, and the error names them."""
    with book_2026.db.transaction() as session, pytest.raises(NotFound, match="ubnd-meovac"):
        load_book(session, 2026, None, None)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_pdf_reads_back_in_vietnamese_with_pdftotext(book_2026: App, tmp_path: Path):
    """poppler's pdftotext reads the title, the column names and the entries from the PDF."""
    with book_2026.db.transaction() as session:
        book = load_book(session, 2026, "huyenuy-meovac", "VBD")
    pdf = tmp_path / "so-den.pdf"
    write_pdf(book, pdf)
    text = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True,
                          check=True).stdout.decode()  # fmt: skip
    for expected in ("HUYỆN ỦY MÈO VẠC", "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN", "Năm 2026", "Từ số 1 đến số 2",
                     "Ngày đến", "Số đến", "Tác giả", "Ký nhận", "Ghi chú", "04-NQ/TU",
                     "Tỉnh ủy Hà Giang", "Huyện ủy Đồng Văn", "12/04/2026", "Khẩn",
                     "kiểm tra đường biên giới", "Trang 1/1"):  # fmt: skip
        assert expected in text, expected
    assert "năm trước" not in text
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, check=True).stdout.decode()
    assert "841.89 x 595.28 pts (A4)" in info  # landscape


def test_outgoing_book_has_the_outgoing_columns(app: App):
    """The outgoing book (sổ văn bản đi) prints Phụ lục IV's outgoing columns."""
    add_document(app, direction="out", number_symbol="15-CV/HU", issued_date=dt.date(2026, 6, 1),
                 doc_type_name="Công văn", summary="V/v trả lời Tỉnh ủy")  # fmt: skip
    with app.db.transaction() as session:
        book = load_book(session, 2026, "huyenuy-meovac", "VBDI")
    rows = list(csv.reader(io.StringIO(write_csv(book))))
    assert rows[0][:4] == ["Số, ký hiệu văn bản", "Ngày tháng văn bản",
                           "Tên loại và trích yếu nội dung văn bản", "Người ký"]  # fmt: skip
    assert len(rows[0]) == 10 and book.title == "SỔ ĐĂNG KÝ VĂN BẢN ĐI"
    assert rows[1][:3] == ["15-CV/HU", "01/06/2026", "Công văn V/v trả lời Tỉnh ủy"]
