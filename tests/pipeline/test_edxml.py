"""edXML envelopes (QCVN 102:2016): metadata is authoritative; inline files are documents."""

from __future__ import annotations

from sqlalchemy import select

from gateway.app import App
from gateway.db.models import Attachment, Document
from gateway.intake.store import IncomingMail, Intake
from gateway.pipeline.parse import parse_message
from gateway.pipeline.worker import Worker
from tests.pipeline import docgen
from tests.pipeline.test_documents import _files, _run
from tests.pipeline.test_header import STATE_CV
from tests.support.settings import STATE_MAILBOX

PDF = "application/pdf"
XML = "application/xml"
STATE_QD = docgen.Header(
    "UBND TỈNH HÀ GIANG", "SỞ NỘI VỤ", "Số: 412/QĐ-SNV", "Hà Giang, ngày 03 tháng 3 năm 2023",
    "QUYẾT ĐỊNH", ["Về việc cử cán bộ đi học lớp bồi dưỡng kiến thức", "quản lý nhà nước"],
    party=False,
)  # fmt: skip
HEADER = {
    "From/OrganId": "000.00.31.H20",
    "From/OrganName": "Sở Nội vụ tỉnh Hà Giang",
    "Code/CodeNumber": "412",
    "Code/CodeNotation": "QĐ-SNV",
    "PromulgationInfo/Place": "Hà Giang",
    "PromulgationInfo/PromulgationDate": "2023-03-04",
    "DocumentType/Type": "1",
    "DocumentType/TypeName": "Quyết định",
    "Subject": "Về việc cử cán bộ đi học lớp bồi dưỡng kiến thức quản lý nhà nước",
    "OtherInfo/Priority": "1",
}


def _mail(envelope: bytes, *others: tuple[str, bytes, str]) -> bytes:
    return docgen.email_with(
        "Gửi văn bản điện tử", [("412-QD-SNV.edxml", envelope, XML), *others],
        sender="vanthu.snv@hagiang.gov.vn",
    )  # fmt: skip


def test_inline_document_is_unpacked_and_registered_from_the_envelope() -> None:
    """A PDF carried inside the envelope is a document part "ENVELOPE/NAME"; edXML fields win."""
    envelope = docgen.edxml_envelope(
        HEADER, [docgen.EnvelopeFile("412-QD-SNV.pdf", docgen.official_pdf(STATE_QD))]
    )
    message, findings = _run(_mail(envelope))
    inner = next(p for p in message.parts if p.name == "412-QD-SNV.edxml/412-QD-SNV.pdf")
    assert (inner.detected_type, inner.container, inner.depth) == (PDF, "412-QD-SNV.edxml", 1)
    assert _files(message, findings) == [[("412-QD-SNV.edxml/412-QD-SNV.pdf", "main")]]
    (doc,) = findings.documents
    assert (doc.doc_type, doc.number_symbol, doc.number) == ("QĐ", "412/QĐ-SNV", 412)
    # The printed date says 03/3; the envelope (authoritative) says 04/3.
    assert doc.issued_date is not None and doc.issued_date.isoformat() == "2023-03-04"
    assert (doc.issuer, doc.urgency) == ("Sở Nội vụ tỉnh Hà Giang", "urgent")
    assert doc.evidence["issued_date"].startswith("edXML 412-QD-SNV.edxml")
    assert "Số: 412/QĐ-SNV" in doc.text  # the file's own text still goes to the search index
    envelope_part = next(p for p in message.parts if p.name == "412-QD-SNV.edxml")
    assert findings.not_documents[envelope_part.index] == "edXML envelope (its metadata is used)"


def test_attribute_style_attachments_with_an_appendix() -> None:
    """Fields written as attributes are read too; the envelope's appendix joins its document."""
    appendix = docgen.plain_pdf(["Phụ lục", "DANH SÁCH CÁN BỘ ĐƯỢC CỬ ĐI HỌC",
                                 "(Kèm theo Quyết định số 412/QĐ-SNV ngày 03/3/2023)"])  # fmt: skip
    envelope = docgen.edxml_envelope(HEADER, [
        docgen.EnvelopeFile("qd.pdf", docgen.official_pdf(STATE_QD), as_attributes=True),
        docgen.EnvelopeFile("phu luc.pdf", appendix, as_attributes=True),
    ])  # fmt: skip
    message, findings = _run(_mail(envelope))
    assert _files(message, findings) == [
        [("412-QD-SNV.edxml/qd.pdf", "main"), ("412-QD-SNV.edxml/phu luc.pdf", "appendix")]
    ]


def test_scan_inside_envelope_takes_every_field_from_the_envelope() -> None:
    """A scan without a text layer inside the envelope is registered with the envelope's data."""
    envelope = docgen.edxml_envelope(
        HEADER, [docgen.EnvelopeFile("scan.pdf", docgen.pdf_bytes([]))]
    )
    message, findings = _run(_mail(envelope))
    (doc,) = findings.documents
    assert _files(message, findings) == [[("412-QD-SNV.edxml/scan.pdf", "main")]]
    assert (doc.doc_type, doc.number_symbol, doc.issuer) == (
        "QĐ",
        "412/QĐ-SNV",
        "Sở Nội vụ tỉnh Hà Giang",
    )
    assert doc.summary == HEADER["Subject"]
    assert doc.evidence["summary"] == "edXML 412-QD-SNV.edxml: Subject"


def test_envelope_metadata_goes_to_its_own_document_among_several() -> None:
    """With another document in the mail, the envelope's fields go to the file it carries."""
    envelope = docgen.edxml_envelope(
        HEADER, [docgen.EnvelopeFile("scan.pdf", docgen.pdf_bytes([]))]
    )
    message, findings = _run(_mail(envelope, ("2539.pdf", docgen.official_pdf(STATE_CV), PDF)))
    by_file = {message.parts[d.files[0].part_index].name: d for d in findings.documents}
    assert set(by_file) == {"412-QD-SNV.edxml/scan.pdf", "2539.pdf"}
    assert by_file["412-QD-SNV.edxml/scan.pdf"].number_symbol == "412/QĐ-SNV"
    assert by_file["2539.pdf"].number_symbol == "2539/STNMT-VP"
    assert by_file["2539.pdf"].issuer != HEADER["From/OrganName"]


def test_described_files_travel_as_separate_parts() -> None:
    """An Attachment that only describes its file adds no part; the attached PDF gets the data."""
    envelope = docgen.edxml_envelope(HEADER, [docgen.EnvelopeFile("412-QD-SNV.pdf", None)])
    message, findings = _run(
        _mail(envelope, ("412-QD-SNV.pdf", docgen.official_pdf(STATE_QD), PDF))
    )
    assert [p.name for p in message.attachments] == ["412-QD-SNV.edxml", "412-QD-SNV.pdf"]
    (doc,) = findings.documents
    assert doc.issued_date is not None and doc.issued_date.isoformat() == "2023-03-04"


def test_state_quy_dinh_type_name_maps_to_the_state_code() -> None:
    """DocumentType "Quy định" on a State number-symbol is QyĐ, not the Party's QĐ."""
    header = dict(HEADER, **{"DocumentType/TypeName": "Quy định",
                             "Code/CodeNotation": "QyĐ-UBND"})  # fmt: skip
    envelope = docgen.edxml_envelope(
        header, [docgen.EnvelopeFile("scan.pdf", docgen.pdf_bytes([]))]
    )
    _message, findings = _run(_mail(envelope))
    assert findings.documents[0].doc_type == "QyĐ"


def test_hostile_envelopes_never_crash() -> None:
    """Entity declarations, broken base64 and broken XML are refused or skipped, not fatal."""
    bomb = docgen.edxml_envelope(
        HEADER, [docgen.EnvelopeFile("a.pdf", docgen.official_pdf(STATE_QD))],
        prolog='<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>',
    )  # fmt: skip
    message, findings = _run(_mail(bomb))
    assert [p.name for p in message.attachments] == ["412-QD-SNV.edxml"]
    assert findings.documents == []
    broken = docgen.edxml_envelope(HEADER, [docgen.EnvelopeFile("a.pdf", b"x")]).replace(
        b"eA==", b"%%%%"
    )
    message, _findings = _run(_mail(broken))
    assert any("edXML attachment content unreadable" in d for d in message.defects)
    truncated = docgen.edxml_envelope(HEADER)[:-40]
    message, findings = _run(_mail(truncated))
    assert findings.documents == [] and findings.quarantine is None


def test_nesting_limit_applies_inside_envelopes() -> None:
    """An envelope inside an attached message deeper than the limit is not opened."""
    envelope = docgen.edxml_envelope(HEADER, [docgen.EnvelopeFile("a.pdf", docgen.pdf_bytes([]))])
    message = parse_message(_mail(envelope), max_depth=0)
    assert any("nested deeper" in d for d in message.defects)
    assert [p.name for p in message.attachments] == ["412-QD-SNV.edxml"]


def test_inline_document_is_stored_and_registered(app: App) -> None:
    """The worker stores the envelope's inner file as a blob and registers it as the main file."""
    envelope = docgen.edxml_envelope(HEADER, [docgen.EnvelopeFile("qd.pdf", docgen.pdf_bytes([]))])
    Intake(app.settings, app.db, app.blobs).store(
        IncomingMail(raw=_mail(envelope), mailboxes=[STATE_MAILBOX], source="file")
    )
    (outcome,) = Worker(app.settings, app.db, app.blobs).run_until_idle()
    assert (outcome.state, outcome.documents) == ("processed", 1)
    with app.db.transaction() as session:
        document = session.scalars(select(Document)).one()
        files = {a.name: (a.role, a.document_id, a.sha256) for a in
                 session.scalars(select(Attachment).order_by(Attachment.index))}  # fmt: skip
    assert document.number_symbol == "412/QĐ-SNV"
    role, document_id, sha256 = files["412-QD-SNV.edxml/qd.pdf"]
    assert (role, document_id) == ("main", document.id)
    assert app.blobs.path(sha256).read_bytes() == docgen.pdf_bytes([])
