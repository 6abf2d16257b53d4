"""Which parts are documents, how files group, zip containers and edXML, on generated mail."""

from __future__ import annotations

from gateway.pipeline.archive import MAX_RATIO
from gateway.pipeline.documents import find_documents
from gateway.pipeline.message import Findings, ParsedMessage
from gateway.pipeline.parse import parse_message
from tests.pipeline import docgen
from tests.pipeline.catalogue_fixture import CATALOGUE
from tests.pipeline.test_header import PARTY_KH, STATE_CV

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _run(raw: bytes) -> tuple[ParsedMessage, Findings]:
    message = parse_message(raw)
    return message, find_documents(message, CATALOGUE)


def _files(message: ParsedMessage, findings: Findings) -> list[list[tuple[str | None, str]]]:
    return [
        [(message.parts[f.part_index].name, f.role) for f in d.files] for d in findings.documents
    ]


def test_pdf_and_docx_are_one_document() -> None:
    """The PDF and the DOCX of one document are one registration: main + alternate."""
    raw = docgen.email_with("Kế hoạch 57", [
        ("57-KH-BTCTU.pdf", docgen.official_pdf(PARTY_KH), PDF),
        ("57-KH-BTCTU.docx", docgen.official_docx(PARTY_KH), "application/zip"),
    ], html_logo=True)  # fmt: skip
    message, findings = _run(raw)
    assert _files(message, findings) == [
        [("57-KH-BTCTU.pdf", "main"), ("57-KH-BTCTU.docx", "alternate")]
    ]
    assert list(findings.not_documents.values()) == ["inline image (logo or signature image)"]
    assert findings.sender_org == "Tỉnh ủy Hà Giang"


def test_two_documents_and_appendix() -> None:
    """Two different documents are two registrations; an appendix joins the one it names."""
    appendix = docgen.plain_pdf(["Phụ lục", "(Kèm theo Công văn số 2539/STNMT-VP ngày 14/02/2022)"])
    raw = docgen.email_with("Gửi văn bản", [
        ("a.pdf", docgen.official_pdf(PARTY_KH), PDF),
        ("b.pdf", docgen.official_pdf(STATE_CV), PDF),
        ("phu-luc.pdf", appendix, PDF),
    ])  # fmt: skip
    message, findings = _run(raw)
    assert _files(message, findings) == [
        [("a.pdf", "main")],
        [("b.pdf", "main"), ("phu-luc.pdf", "appendix")],
    ]
    assert findings.documents[1].secrecy == "confidential"


def test_not_documents() -> None:
    """Photos, notes, vCards and a PDF without an official header are not documents."""
    raw = docgen.email_with("Ảnh hội nghị", [
        ("IMG_0001.jpg", b"\xff\xd8\xff\xe0" + b"\0" * 100, "image/jpeg"),
        ("ghi chu.txt", "Ghi chú cho văn thư".encode(), "text/plain"),
        ("lien he.vcf", b"BEGIN:VCARD\r\nFN:An\r\nEND:VCARD\r\n", "text/vcard"),
        ("ban tin.pdf", docgen.plain_pdf(["BẢN TIN CẢI CÁCH", "Số 2 - 5/2016"] * 3), PDF),
    ])  # fmt: skip
    _message, findings = _run(raw)
    assert findings.documents == [] and len(findings.not_documents) == 4
    assert findings.note is not None and findings.quarantine is None


def test_subject_fallback_for_a_scan() -> None:
    """A PDF without a text layer is registered from the subject, and says so."""
    raw = docgen.email_with(
        "[HỎA TỐC] Công điện số 09/CĐ-UBND ngày 15.6.2016 của UBND tỉnh về việc ứng phó mưa lũ",
        [("scan0001.pdf", docgen.pdf_bytes([]), PDF)],
        sender="vanthu@hagiang.gov.vn",
    )
    _message, findings = _run(raw)
    (doc,) = findings.documents
    assert (doc.doc_type, doc.number_symbol, doc.urgency) == ("CĐ", "09/CĐ-UBND", "flash")
    assert doc.issuer == "Ủy ban nhân dân tỉnh Hà Giang"
    assert doc.issued_date is not None and doc.issued_date.isoformat() == "2016-06-15"
    assert "no text layer" in doc.evidence["text"]


def test_zip_members_are_read() -> None:
    """Files inside a zip attachment are examined and named ZIP/INNER."""
    archive = docgen.zip_bytes({"van ban/57-KH-BTCTU.pdf": docgen.official_pdf(PARTY_KH)})
    message, findings = _run(
        docgen.email_with("Hồ sơ", [("ho so.zip", archive, "application/zip")])
    )
    assert _files(message, findings) == [[("ho so.zip/57-KH-BTCTU.pdf", "main")]]


def test_zip_bomb_is_refused() -> None:
    """A highly compressed member is refused as a defect; the message is quarantined, no crash."""
    bomb = docgen.zip_bytes({"big.pdf": b"\0" * (MAX_RATIO * 2000)})
    message, findings = _run(docgen.email_with("Văn bản", [("bomb.zip", bomb, "application/zip")]))
    assert any("archive refused" in d for d in message.defects)
    assert findings.quarantine is not None and "unsafe attachment" in findings.quarantine


def test_nested_zip_depth_limit() -> None:
    """Archives nested deeper than the limit are not opened."""
    inner = docgen.zip_bytes({"a.pdf": docgen.official_pdf(PARTY_KH)})
    for level in range(6):
        inner = docgen.zip_bytes({f"level{level}.zip": inner})
    message = parse_message(
        docgen.email_with("x", [("deep.zip", inner, "application/zip")]), max_depth=3
    )
    assert any("nested deeper" in d for d in message.defects)


def test_edxml_metadata_is_authoritative() -> None:
    """An attached edXML envelope overrides what was read from the document."""
    envelope = """<?xml version="1.0" encoding="UTF-8"?>
<edXMLEnvelope xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"><edXMLHeader><MessageHeader>
<From><OrganName>Ban Tổ chức Tỉnh ủy Hà Giang</OrganName></From>
<Code><CodeNumber>57</CodeNumber><CodeNotation>KH/BTCTU</CodeNotation></Code>
<PromulgationInfo><Place>Hà Giang</Place>
<PromulgationDate>2017-05-02</PromulgationDate></PromulgationInfo>
<DocumentType><Type>1</Type><TypeName>Kế hoạch</TypeName></DocumentType>
<Subject>kiểm tra việc bảo đảm an toàn thông tin</Subject>
<OtherInfo><Priority>3</Priority></OtherInfo></MessageHeader></edXMLHeader></edXMLEnvelope>"""
    raw = docgen.email_with("Kế hoạch", [
        ("57.pdf", docgen.official_pdf(PARTY_KH), PDF),
        ("57.edxml", envelope.encode(), "application/xml"),
    ])  # fmt: skip
    _message, findings = _run(raw)
    (doc,) = findings.documents
    assert doc.issued_date is not None and doc.issued_date.isoformat() == "2017-05-02"
    assert (doc.urgency, doc.summary) == ("flash", "kiểm tra việc bảo đảm an toàn thông tin")
    assert doc.evidence["urgency"].startswith("edXML")
