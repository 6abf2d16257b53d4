"""Generated messages unlike the shared corpus: varied layouts, spellings and packaging.

Each case states what a careful clerk registers from the message; none of them is handled by
name anywhere in the code (the classifier reads conventions from rules/doctypes.toml).
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from gateway.pipeline.documents import find_documents
from gateway.pipeline.parse import parse_message
from tests.pipeline import docgen
from tests.pipeline.catalogue_fixture import CATALOGUE
from tests.pipeline.docgen import Header

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _png() -> bytes:
    """A real 1x1 PNG (libmagic must see an image, as it would for a pasted signature)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0\0"))
        + chunk(b"IEND", b"")
    )


PNG = _png()
STATE = "vanthu@hagiang.gov.vn"
PARTY = "vanthu@tinhuy.hagiang.dcs.vn"


def _h(
    superior: str | None,
    issuer: str,
    number: str,
    date: str,
    title: str | None,
    summary: list[str],
    *,
    party: bool,
    marks: tuple[str, ...] = (),
) -> Header:
    return Header(superior, issuer, number, date, title, summary, party=party, marks=marks)


SO_TAI_CHINH_QD = _h(
    "UBND TỈNH LÀO CAI",
    "SỞ TÀI CHÍNH",
    "Số: 1234/QĐ-STC",
    "Lào Cai, ngày 9 tháng 11 năm 2023",
    "QUYẾT ĐỊNH",
    ["Về việc phê duyệt dự toán kinh phí tổ chức", "hội nghị tổng kết năm 2023"],
    party=False,
)
HUYEN_UY_HD = _h(
    "ĐẢNG BỘ TỈNH HÀ GIANG",
    "HUYỆN ỦY ĐỒNG VĂN",
    "Số 20-HD/HU",
    "Đồng Văn, ngày 14 tháng 8 năm 2021",
    "HƯỚNG DẪN",
    ["tổ chức sinh hoạt chi bộ theo chuyên đề", "năm 2021"],
    party=True,
)
UBND_TB = _h(
    "UBND TỈNH HÀ GIANG",
    "VĂN PHÒNG",
    "Số: 88/TB-VP",
    "Hà Giang, ngày 02 tháng 3 năm 2024",
    "THÔNG BÁO",
    ["kết luận của Chủ tịch UBND tỉnh tại buổi làm việc", "với Sở Giao thông vận tải"],
    party=False,
)
PHONG_NV_CV = _h(
    "UBND HUYỆN MÈO VẠC",
    "PHÒNG NỘI VỤ",
    "Số: 57/PNV",
    "Mèo Vạc, ngày 21 tháng 6 năm 2022",
    None,
    ["V/v rà soát, thống kê số lượng cán bộ,", "công chức cấp xã năm 2022"],
    party=False,
)
HUYEN_UY_CV = _h(
    "ĐẢNG BỘ TỈNH HÀ GIANG",
    "HUYỆN ỦY MÈO VẠC",
    "Số 123-CV/HU",
    "Mèo Vạc, ngày 30 tháng 9 năm 2022",
    None,
    ["V/v chuẩn bị nội dung phục vụ đoàn kiểm tra", "của Ban Thường vụ Tỉnh ủy"],
    party=True,
)
UBND_KH = _h(
    None,
    "ỦY BAN NHÂN DÂN TỈNH HÀ GIANG",
    "Số: 336/KH-UBND",
    "Hà Giang, ngày 17 tháng 10 năm 2023",
    "KẾ HOẠCH",
    ["triển khai chuyển đổi số trong cơ quan", "nhà nước năm 2024"],
    party=False,
)
TINH_UY_NQ = _h(
    "ĐẢNG BỘ TỈNH HÀ GIANG",
    "TỈNH ỦY HÀ GIANG",
    "Số 15-NQ/TU",
    "Hà Giang, ngày 06 tháng 12 năm 2021",
    "NGHỊ QUYẾT",
    ["về phát triển du lịch bền vững", "giai đoạn 2021 - 2025"],
    party=True,
)

TINH_UY_LAO_CAI_TB = _h(
    None,
    "TỈNH ỦY LÀO CAI",
    "Số 112-TB/TU",
    "Lào Cai, ngày 21 tháng 02 năm 2023",
    "THÔNG BÁO",
    ["kết luận của Ban Thường vụ Tỉnh ủy"],
    party=True,
    marks=("THƯỢNG KHẨN",),
)
DANG_UY_KHOI_KH = _h(
    "ĐẢNG BỘ TỈNH HÀ GIANG",
    "ĐẢNG ỦY KHỐI CÁC CƠ QUAN TỈNH",
    "Số 45-KH/ĐUK",
    "Hà Giang, ngày 03 tháng 4 năm 2023",
    "KẾ HOẠCH",
    ["học tập, quán triệt nghị quyết"],
    party=True,
)
BO_NOI_VU_CV = _h(
    None,
    "BỘ NỘI VỤ",
    "Số: 05/BNV-VP",
    "Hà Nội, ngày 08 tháng 01 năm 2024",
    None,
    ["V/v hướng dẫn thực hiện chế độ báo cáo", "thống kê ngành Nội vụ"],
    party=False,
)
TW_CT = _h(
    None,
    "BAN CHẤP HÀNH TRUNG ƯƠNG",
    "Số 35-CT/TW",
    "Hà Nội, ngày 14 tháng 6 năm 2024",
    "CHỈ THỊ",
    [
        "về tổ chức đại hội đảng bộ các cấp tiến tới",
        "Đại hội đại biểu toàn quốc lần thứ XIV của Đảng",
    ],
    party=True,
)
SO_GD_HCM_CV = _h(
    "UBND THÀNH PHỐ HỒ CHÍ MINH",
    "SỞ GIÁO DỤC VÀ ĐÀO TẠO",
    "Số: 2468/SGDĐT-VP",
    "Thành phố Hồ Chí Minh, ngày 25 tháng 8 năm 2023",
    None,
    ["V/v tổ chức khai giảng năm học 2023 - 2024"],
    party=False,
    marks=("MẬT", "KHẨN"),
)
PHONG_TCKH_TTR = _h(
    "UBND HUYỆN ĐỒNG VĂN",
    "PHÒNG TÀI CHÍNH - KẾ HOẠCH",
    "Số: 47/TTr-TCKH",
    "Đồng Văn, ngày 2 tháng 10 năm 2023",
    "TỜ TRÌNH",
    ["Về việc đề nghị bổ sung dự toán ngân sách năm 2023"],
    party=False,
)


def _variant(h: Header, **changes: Any) -> Header:
    values = dict(h.__dict__)
    values.update(changes)
    return Header(**values)


@dataclass
class Case:
    build: Callable[[], bytes]
    documents: list[dict[str, Any]]  # expected fields per document, in order
    not_documents: list[str] = field(default_factory=list)  # reasons, sorted


def _mail(
    subject: str, files: list[tuple[str, bytes, str]], sender: str = STATE, **kw: Any
) -> Callable[[], bytes]:
    return lambda: docgen.email_with(subject, files, sender=sender, **kw)


def _pdf(h: Header) -> bytes:
    return docgen.official_pdf(h)


def _legacy_pdf(h: Header, encoding: str) -> bytes:
    rows = [
        [(docgen.legacy_font(text, encoding), x, bold, size) for text, x, bold, size in row]
        for row in docgen.header_lines(h)
    ]
    return docgen.pdf_bytes(rows)


def _capitals_font_pdf(h: Header) -> bytes:
    """TCVN3 where the capitals lines were typed in the capitals font (.VnTimeH): their text
    layer holds small letters, so the converted header is in lower case."""
    rows = [
        [
            (docgen.legacy_font(text.lower() if text.isupper() else text, "TCVN3"), x, bold, size)
            for text, x, bold, size in row
        ]
        for row in docgen.header_lines(h)
    ]
    return docgen.pdf_bytes(rows)


CASES: dict[str, Case] = {
    "state QĐ with superior body": Case(
        _mail("Quyết định phê duyệt dự toán", [("1234.pdf", _pdf(SO_TAI_CHINH_QD), PDF)]),
        [
            {
                "doc_type": "QĐ",
                "number_symbol": "1234/QĐ-STC",
                "issuer": "Sở Tài chính tỉnh Lào Cai",
                "issued_date": "2023-11-09",
                "urgency": "normal",
                "secrecy": "none",
                "summary": "Về việc phê duyệt dự toán kinh phí tổ chức hội nghị tổng kết năm 2023",
            }
        ],
    ),
    "party HD of a district committee": Case(
        _mail("Hướng dẫn sinh hoạt chi bộ", [("HD20.pdf", _pdf(HUYEN_UY_HD), PDF)], PARTY),
        [
            {
                "doc_type": "HD",
                "number_symbol": "20-HD/HU",
                "issuer": "Huyện ủy Đồng Văn",
                "issued_date": "2021-08-14",
                "system": "party",
                "summary": "tổ chức sinh hoạt chi bộ theo chuyên đề năm 2021",
            }
        ],
    ),
    "DOCX only, two-column header table": Case(
        _mail("Thông báo kết luận", [("TB88.docx", docgen.official_docx(UBND_TB), DOCX)]),
        [
            {
                "doc_type": "TB",
                "number_symbol": "88/TB-VP",
                "issuer": "Văn phòng Ủy ban nhân dân tỉnh Hà Giang",
                "issued_date": "2024-03-02",
                "summary": "kết luận của Chủ tịch UBND tỉnh tại buổi làm việc với Sở Giao "
                "thông vận tải",
            }
        ],
    ),
    "DOCX only, tab-stop header": Case(
        _mail(
            "Kế hoạch chuyển đổi số",
            [("kh.docx", docgen.official_docx(UBND_KH, table=False), DOCX)],
        ),
        [
            {
                "doc_type": "KH",
                "number_symbol": "336/KH-UBND",
                "issuer": "Ủy ban nhân dân tỉnh Hà Giang",
                "issued_date": "2023-10-17",
            }
        ],
    ),
    "number with spaces and an en-dash": Case(
        _mail(
            "Quyết định",
            [("qd.pdf", _pdf(_variant(SO_TAI_CHINH_QD, number="Số : 1234 / QĐ – STC")), PDF)],
        ),
        [{"number_symbol": "1234/QĐ-STC", "number": 1234, "doc_type": "QĐ"}],
    ),
    "number in lower case without colon": Case(
        _mail("Công văn", [("cv.pdf", _pdf(_variant(PHONG_NV_CV, number="số 57/pnv")), PDF)]),
        [{"number_symbol": "57/PNV", "doc_type": "CV", "issuer": "Phòng Nội vụ huyện Mèo Vạc"}],
    ),
    "OCR look-alikes in the number (Ð for Đ, O for 0)": Case(
        _mail(
            "Nghị quyết", [("nq.pdf", _pdf(_variant(TINH_UY_NQ, number="Số 1O-NQ/TU")), PDF)], PARTY
        ),
        [{"number_symbol": "10-NQ/TU", "number": 10, "doc_type": "NQ"}],
    ),
    "date line without leading zeros, extra spaces": Case(
        _mail(
            "Hướng dẫn",
            [
                (
                    "hd.pdf",
                    _pdf(_variant(HUYEN_UY_HD, date_line="Đồng Văn,  ngày  4  tháng  8  năm 2021")),
                    PDF,
                )
            ],
            PARTY,
        ),
        [{"issued_date": "2021-08-04", "number_symbol": "20-HD/HU"}],
    ),
    "urgency typed only in the subject": Case(
        _mail("[KHẨN] Kế hoạch triển khai chuyển đổi số", [("kh.pdf", _pdf(UBND_KH), PDF)]),
        [{"urgency": "urgent", "secrecy": "none", "number_symbol": "336/KH-UBND"}],
    ),
    "flash mark printed in the header": Case(
        _mail("Công văn", [("cv.pdf", _pdf(_variant(PHONG_NV_CV, marks=("HỎA TỐC",))), PDF)]),
        [{"urgency": "flash", "secrecy": "none"}],
    ),
    "secret mark printed in the header": Case(
        _mail("Báo cáo", [("nq.pdf", _pdf(_variant(TINH_UY_NQ, marks=("TỐI MẬT",))), PDF)], PARTY),
        [{"secrecy": "secret", "number_symbol": "15-NQ/TU"}],
    ),
    "party công văn, V/v over two lines": Case(
        _mail("Công văn của Huyện ủy", [("cv123.pdf", _pdf(HUYEN_UY_CV), PDF)], PARTY),
        [
            {
                "doc_type": "CV",
                "number_symbol": "123-CV/HU",
                "issuer": "Huyện ủy Mèo Vạc",
                "summary": "chuẩn bị nội dung phục vụ đoàn kiểm tra của Ban Thường vụ Tỉnh ủy",
            }
        ],
    ),
    "state công văn without type, V/v over two lines": Case(
        _mail("Công văn rà soát", [("57.pdf", _pdf(PHONG_NV_CV), PDF)]),
        [
            {
                "doc_type": "CV",
                "number_symbol": "57/PNV",
                "issued_date": "2022-06-21",
                "summary": "rà soát, thống kê số lượng cán bộ, công chức cấp xã năm 2022",
            }
        ],
    ),
    "plan with its appendix": Case(
        _mail(
            "Kế hoạch và phụ lục",
            [
                ("kh.pdf", _pdf(UBND_KH), PDF),
                (
                    "phu luc 1.pdf",
                    docgen.plain_pdf(
                        [
                            "Phụ lục I",
                            "DANH MỤC NHIỆM VỤ",
                            "(Kèm theo Kế hoạch số 336/KH-UBND ngày 17/10/2023 của UBND tỉnh)",
                        ]
                    ),
                    PDF,
                ),
            ],
        ),
        [
            {
                "number_symbol": "336/KH-UBND",
                "files": [("kh.pdf", "main"), ("phu luc 1.pdf", "appendix")],
            }
        ],
    ),
    "two documents in one mail": Case(
        _mail(
            "Gửi 02 văn bản",
            [("qd.pdf", _pdf(SO_TAI_CHINH_QD), PDF), ("tb.pdf", _pdf(UBND_TB), PDF)],
        ),
        [{"number_symbol": "1234/QĐ-STC"}, {"number_symbol": "88/TB-VP"}],
    ),
    "PDF and DOCX of one document": Case(
        _mail(
            "Thông báo",
            [("tb.pdf", _pdf(UBND_TB), PDF), ("tb.docx", docgen.official_docx(UBND_TB), DOCX)],
        ),
        [{"number_symbol": "88/TB-VP", "files": [("tb.pdf", "main"), ("tb.docx", "alternate")]}],
    ),
    "forwarded message with the document inside": Case(
        lambda: docgen.forwarded(
            docgen.email_with(
                "Nghị quyết 15", [("15-NQ-TU.pdf", _pdf(TINH_UY_NQ), PDF)], sender=PARTY
            ),
            "Fwd: Nghị quyết 15",
        ),
        [
            {
                "number_symbol": "15-NQ/TU",
                "issuer": "Tỉnh ủy Hà Giang",
                "files": [("van ban.eml/15-NQ-TU.pdf", "main")],
            }
        ],
        ["attached message (its files are examined)"],
    ),
    "zip holding the document": Case(
        _mail(
            "Hồ sơ",
            [
                (
                    "ho so.zip",
                    docgen.zip_bytes({"qd 1234.pdf": _pdf(SO_TAI_CHINH_QD)}),
                    "application/zip",
                )
            ],
        ),
        [{"number_symbol": "1234/QĐ-STC", "files": [("ho so.zip/qd 1234.pdf", "main")]}],
        ["archive (its files are examined)"],
    ),
    "logo and pasted signature image are not documents": Case(
        lambda: docgen.with_inline_image(
            docgen.email_with(
                "Kế hoạch", [("kh.pdf", _pdf(UBND_KH), PDF)], sender=STATE, html_logo=True
            ),
            "chu ky.png",
            PNG,
        ),
        [{"number_symbol": "336/KH-UBND", "files": [("kh.pdf", "main")]}],
        ["inline image (logo or signature image)", "inline image (logo or signature image)"],
    ),
    "TCVN3 (.VnTime) text layer": Case(
        _mail("Công văn", [("cv.pdf", _legacy_pdf(PHONG_NV_CV, "TCVN3"), PDF)]),
        [
            {
                "doc_type": "CV",
                "number_symbol": "57/PNV",
                "issued_date": "2022-06-21",
                "issuer": "Phòng Nội vụ huyện Mèo Vạc",
                "summary": "rà soát, thống kê số lượng cán bộ, công chức cấp xã năm 2022",
            }
        ],
    ),
    "TCVN3 capitals font: header lines in small letters": Case(
        _mail("Công văn", [("cv.pdf", _capitals_font_pdf(PHONG_NV_CV), PDF)]),
        [
            {
                "doc_type": "CV",
                "number_symbol": "57/PNV",
                "issuer": "Phòng Nội vụ huyện Mèo Vạc",
                "issued_date": "2022-06-21",
            }
        ],
    ),
    "VNI text layer": Case(
        _mail("Nghị quyết", [("nq.pdf", _legacy_pdf(TINH_UY_NQ, "VNI"), PDF)], PARTY),
        [
            {
                "doc_type": "NQ",
                "number_symbol": "15-NQ/TU",
                "issued_date": "2021-12-06",
                "issuer": "Tỉnh ủy Hà Giang",
                "summary": "về phát triển du lịch bền vững giai đoạn 2021 - 2025",
            }
        ],
    ),
    "provincial committee not in the directory, thượng khẩn": Case(
        _mail(
            "Thông báo kết luận",
            [("tb.pdf", _pdf(TINH_UY_LAO_CAI_TB), PDF)],
            "vanthu@laocai.dcs.vn",
        ),
        [{"issuer": "Tỉnh ủy Lào Cai", "number_symbol": "112-TB/TU", "urgency": "very_urgent"}],
    ),
    "bloc committee under the provincial Party organisation": Case(
        _mail("Kế hoạch", [("kh.pdf", _pdf(DANG_UY_KHOI_KH), PDF)], PARTY),
        [{"issuer": "Đảng ủy Khối các cơ quan tỉnh Hà Giang", "number_symbol": "45-KH/ĐUK"}],
    ),
    "ministry công văn": Case(
        _mail(
            "Công văn của Bộ Nội vụ", [("05.pdf", _pdf(BO_NOI_VU_CV), PDF)], "vanthu@moha.gov.vn"
        ),
        [
            {
                "issuer": "Bộ Nội vụ",
                "doc_type": "CV",
                "number_symbol": "05/BNV-VP",
                "summary": "hướng dẫn thực hiện chế độ báo cáo thống kê ngành Nội vụ",
            }
        ],
    ),
    "central committee directive as DOCX": Case(
        _mail(
            "Chỉ thị 35",
            [("ct35.docx", docgen.official_docx(TW_CT), DOCX)],
            "vanthu@dangcongsan.vn",
        ),
        [
            {
                "issuer": "Ban Chấp hành Trung ương Đảng",
                "doc_type": "CT",
                "system": "party",
                "issued_date": "2024-06-14",
            }
        ],
    ),
    "secret and urgent marks together, city department": Case(
        _mail("Công văn", [("cv.pdf", _pdf(SO_GD_HCM_CV), PDF)], "vanthu@hcm.edu.vn"),
        [
            {
                "issuer": "Sở Giáo dục và Đào tạo thành phố Hồ Chí Minh",
                "urgency": "urgent",
                "secrecy": "confidential",
                "number_symbol": "2468/SGDĐT-VP",
            }
        ],
    ),
    "secrecy typed only in the subject": Case(
        _mail("[MẬT] Công văn của Bộ Nội vụ", [("05.pdf", _pdf(BO_NOI_VU_CV), PDF)]),
        [{"secrecy": "confidential", "urgency": "normal"}],
    ),
    "hyphenated department name, tờ trình": Case(
        _mail("Tờ trình", [("ttr.pdf", _pdf(PHONG_TCKH_TTR), PDF)]),
        [
            {
                "issuer": "Phòng Tài chính - Kế hoạch huyện Đồng Văn",
                "doc_type": "TTr",
                "number_symbol": "47/TTr-TCKH",
                "issued_date": "2023-10-02",
            }
        ],
    ),
    "scanned appendix known only by its file name": Case(
        _mail(
            "Kế hoạch và phụ lục",
            [("kh.pdf", _pdf(UBND_KH), PDF), ("Phu_luc KH 336.pdf", docgen.pdf_bytes([]), PDF)],
        ),
        [
            {
                "number_symbol": "336/KH-UBND",
                "files": [("kh.pdf", "main"), ("Phu_luc KH 336.pdf", "appendix")],
            }
        ],
    ),
    "scan named by its number, generic subject": Case(
        _mail("Gửi văn bản", [("88-TB-VP.pdf", docgen.pdf_bytes([]), PDF)]),
        [{"number_symbol": "88/TB-VP", "doc_type": "TB"}],
    ),
}


def _fields(message: Any, doc: Any) -> dict[str, Any]:
    return {
        "doc_type": doc.doc_type,
        "number_symbol": doc.number_symbol,
        "number": doc.number,
        "issuer": doc.issuer,
        "system": doc.system,
        "summary": doc.summary,
        "issued_date": doc.issued_date.isoformat() if doc.issued_date else None,
        "urgency": doc.urgency,
        "secrecy": doc.secrecy,
        "files": [(message.parts[f.part_index].name, f.role) for f in doc.files],
    }


@pytest.mark.parametrize("name", list(CASES))
def test_case(name: str) -> None:
    """The registration a clerk would make from this message (fields listed in the case)."""
    case = CASES[name]
    message = parse_message(case.build())
    findings = find_documents(message, CATALOGUE)
    got = [_fields(message, doc) for doc in findings.documents]
    assert len(got) == len(case.documents), got
    for want, have in zip(case.documents, got, strict=True):
        assert {key: have[key] for key in want} == want
    reasons = sorted(findings.not_documents[i] for i in findings.not_documents)
    assert reasons == sorted(case.not_documents)
