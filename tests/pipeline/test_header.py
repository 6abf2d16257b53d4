"""Header reading: issuer naming, type, summary and marks from PDF, DOCX and plain lines."""

from __future__ import annotations

import pytest

from gateway.pipeline.read.header import read_header
from gateway.pipeline.read.naming import issuer_name, modern_tones
from gateway.pipeline.text import legacy
from gateway.pipeline.text.extract import normalise
from gateway.pipeline.text.model import DocText
from gateway.pipeline.text.office import extract_docx
from gateway.pipeline.text.pdf import extract_pdf
from gateway.pipeline.text.plain import lines_of
from tests.pipeline import docgen
from tests.pipeline.catalogue_fixture import CATALOGUE

PARTY_KH = docgen.Header(
    "TỈNH ỦY HÀ GIANG", "BAN TỔ CHỨC", "Số 57-KH/BTCTU", "Hà Giang, ngày 01 tháng 5 năm 2017",
    "KẾ HOẠCH", ["kiểm tra, giám sát việc thực hiện bảo đảm an toàn, an ninh",
                 "thông tin trên không gian mạng"], marks=("KHẨN",),
)  # fmt: skip
STATE_CV = docgen.Header(
    "UBND TỈNH LÀO CAI", "SỞ TÀI NGUYÊN VÀ MÔI TRƯỜNG", "Số: 2539/STNMT-VP",
    "Lào Cai, ngày 14 tháng 02 năm 2022", None,
    ["V/v đôn đốc báo cáo kết quả xây", "dựng nông thôn mới"], party=False, marks=("MẬT",),
)  # fmt: skip


@pytest.mark.parametrize(
    ("own", "superior", "name"),
    [
        ("TỈNH ỦY HÀ GIANG", None, "Tỉnh ủy Hà Giang"),
        ("TỈNH ỦY LÀO CAI", None, "Tỉnh ủy Lào Cai"),  # not in the directory
        (
            "ĐẢNG ỦY KHỐI CÁC CƠ QUAN TỈNH",
            "ĐẢNG BỘ TỈNH HÀ GIANG",
            "Đảng ủy Khối các cơ quan tỉnh Hà Giang",
        ),
        ("BAN TỔ CHỨC", "TỈNH ỦY HÀ GIANG", "Ban Tổ chức Tỉnh ủy Hà Giang"),
        ("SỞ NỘI VỤ", "UBND TỈNH HÀ GIANG", "Sở Nội vụ tỉnh Hà Giang"),
        ("VĂN PHÒNG", "UBND TỈNH HÀ GIANG", "Văn phòng Ủy ban nhân dân tỉnh Hà Giang"),
        ("VĂN PHÒNG", "BAN CHẤP HÀNH TRUNG ƯƠNG", "Văn phòng Trung ương Đảng"),
        ("PHÒNG NỘI VỤ", "UBND HUYỆN MÈO VẠC", "Phòng Nội vụ huyện Mèo Vạc"),
        ("HUYỆN ỦY ĐỒNG VĂN", "ĐẢNG BỘ TỈNH HÀ GIANG", "Huyện ủy Đồng Văn"),
        ("ĐẢNG ỦY THỊ TRẤN MÈO VẠC", "ĐẢNG BỘ HUYỆN MÈO VẠC", "Đảng ủy thị trấn Mèo Vạc"),
        ("BAN CHẤP HÀNH TRUNG ƯƠNG", None, "Ban Chấp hành Trung ương Đảng"),
        ("VĂN PHÒNG CHÍNH PHỦ", None, "Văn phòng Chính phủ"),
        ("UỶ BAN NHÂN DÂN TỈNH KHÁNH HOÀ", None, "Ủy ban nhân dân tỉnh Khánh Hòa"),
        ("SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI", "UBND TỈNH LÀO CAI",
         "Sở Lao động - Thương binh và Xã hội tỉnh Lào Cai"),
    ],
)  # fmt: skip
def test_issuer_names(own: str, superior: str | None, name: str) -> None:
    """Header lines become the full name, completed from the superior line when generic."""
    assert issuer_name(own, superior, CATALOGUE)[0] == name


def test_modern_tones() -> None:
    """Old tone placement is rewritten (Uỷ -> Ủy, hoà -> hòa) but not inside longer syllables."""
    assert modern_tones("Uỷ ban hoà bình, hoàn thành") == "Ủy ban hòa bình, hoàn thành"


def test_party_pdf_header() -> None:
    """A Party PDF: issuer completed, type from the title, summary from bold lines, urgency."""
    reading = read_header(extract_pdf(docgen.official_pdf(PARTY_KH)), CATALOGUE, "pdf text")
    assert reading.official and reading.system == "party"
    assert reading.number is not None and reading.number.text == "57-KH/BTCTU"
    assert reading.issuer == "Ban Tổ chức Tỉnh ủy Hà Giang"
    assert reading.doc_type is not None and reading.doc_type.code == "KH"
    assert reading.summary == (
        "kiểm tra, giám sát việc thực hiện bảo đảm an toàn, an ninh thông tin trên không gian mạng"
    )
    assert reading.urgency == "urgent" and reading.issued_date is not None
    assert "issuer" in reading.evidence and "summary" in reading.evidence


def test_state_cong_van_pdf() -> None:
    """A State công văn: type CV, summary after V/v without the prefix, secrecy mark."""
    reading = read_header(extract_pdf(docgen.official_pdf(STATE_CV)), CATALOGUE, "pdf text")
    assert reading.doc_type is not None and reading.doc_type.code == "CV"
    assert reading.issuer == "Sở Tài nguyên và Môi trường tỉnh Lào Cai"
    assert reading.summary == "đôn đốc báo cáo kết quả xây dựng nông thôn mới"
    assert reading.secrecy == "confidential"


@pytest.mark.parametrize("table", [True, False])
def test_docx_header(table: bool) -> None:
    """DOCX headers laid out with a table or with tab stops read the same."""
    reading = read_header(
        extract_docx(docgen.official_docx(PARTY_KH, table=table)), CATALOGUE, "docx"
    )
    assert reading.number is not None and reading.number.text == "57-KH/BTCTU"
    assert reading.issuer == "Ban Tổ chức Tỉnh ủy Hà Giang"
    assert reading.summary is not None and reading.summary.startswith("kiểm tra, giám sát")


def test_plain_text_header() -> None:
    """Text without layout (antiword, bodies): mottos on the issuer line are stripped."""
    text = (
        "BỘ NỘI VỤ CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
        "Số: 09/2020/TT-BNV Hà Nội, ngày 26 tháng 5 năm 2020\nTHÔNG TƯ\n"
        "Quy định về định mức kinh tế - kỹ thuật số hóa tài liệu lưu trữ\n"
        "Căn cứ Luật Tổ chức Chính phủ ngày 19 tháng 6 năm 2015;"
    )
    reading = read_header(DocText("text", lines_of(text), text), CATALOGUE, "text")
    assert reading.issuer == "Bộ Nội vụ" and reading.number is not None
    assert reading.doc_type is not None and reading.doc_type.code == "TT"
    assert reading.summary == "Quy định về định mức kinh tế - kỹ thuật số hóa tài liệu lưu trữ"


@pytest.mark.parametrize(
    ("mojibake", "encoding"),
    [("Qu¶n lý nhµ n­íc vÒ c«ng t¸c v¨n th­", "TCVN3"),
     ("Quaûn lyù nhaø nöôùc veà coâng taùc vaên thö", "VNI")],
)  # fmt: skip
def test_legacy_fonts(mojibake: str, encoding: str) -> None:
    """TCVN3 and VNI mojibake is recognised and converted to Unicode."""
    assert legacy.detect(mojibake) == encoding
    assert legacy.convert(mojibake, encoding) == "Quản lý nhà nước về công tác văn thư"


def test_unicode_left_alone() -> None:
    """Unicode Vietnamese (with Latin-1 letters like á, ê) is never converted."""
    text = "Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về văn thư"
    assert legacy.detect(text) is None
    doc = normalise(DocText("text", lines_of(text), text))
    assert doc.text == text and doc.legacy is None


def test_tcvn3_document_header() -> None:
    """A header typed in TCVN3 is converted before it is read."""
    text = "ñy ban nh©n d©n\ntØnh hµ giang\nSè: 12/Q§-UBND Hµ Giang, ngµy 05 th¸ng 01 n¨m 2020\n"
    doc = normalise(DocText("text", lines_of(text), text))
    assert doc.legacy == "TCVN3"
    reading = read_header(doc, CATALOGUE, "text")
    assert reading.number is not None and reading.number.text == "12/QĐ-UBND"
