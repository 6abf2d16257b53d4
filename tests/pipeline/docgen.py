"""Build Vietnamese official documents (PDF with a text layer, DOCX) and e-mails carrying them.

The PDFs are real: a Type0 font with a ToUnicode map, so pypdf reads the Vietnamese text and
the font names say which lines are bold; no glyphs are embedded (nothing here renders them).
"""

from __future__ import annotations

import base64
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import SMTP
from xml.sax.saxutils import escape, quoteattr

import docx

# (text, x, bold, size) per line, top to bottom; x < 250 is the left header column.
PdfLine = tuple[str, float, bool, float]


@dataclass
class Header:
    superior: str | None
    issuer: str
    number: str  # as printed after "Số", e.g. "Số 04-NQ/TU" or "Số: 123/QĐ-UBND"
    date_line: str
    title: str | None  # None: a công văn
    summary: list[str]  # printed lines
    party: bool = True
    marks: tuple[str, ...] = ()


def header_lines(h: Header) -> list[list[PdfLine]]:
    """Rows of (text, x, bold, size): one row may hold a left and a right piece."""
    motto = (
        [("ĐẢNG CỘNG SẢN VIỆT NAM", 300.0, True, 13.0)]
        if h.party
        else [("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 276.0, True, 11.5)]
    )
    rows: list[list[PdfLine]] = []
    left = ([(h.superior, 100.0, False, 12.0)] if h.superior else []) + [
        (h.issuer, 100.0, True, 12.0)
    ]
    rows.append([left[0], *motto])
    rows.append(
        [left[1], ("Độc lập - Tự do - Hạnh phúc", 313.0, True, 12.5)]
        if len(left) > 1 and not h.party
        else left[1:] or [("Độc lập - Tự do - Hạnh phúc", 313.0, True, 12.5)]
    )
    rows.append([(h.number, 110.0, False, 12.5), (h.date_line, 292.0, False, 12.5)])
    for mark in h.marks:
        rows.append([(mark, 260.0, True, 13.0)])
    if h.title:
        rows.append([(h.title, 265.0, True, 14.0)])
        rows += [[(line, 130.0, True, 13.0)] for line in h.summary]
    else:
        rows += [[(line, 90.0, False, 11.0)] for line in h.summary]
        rows.append([("Kính gửi: Các cơ quan, đơn vị", 147.0, False, 12.5)])
    rows.append(
        [
            (
                "Thực hiện chương trình công tác năm, đề nghị các cơ quan, đơn vị triển khai.",
                85.0,
                False,
                12.5,
            )
        ]
    )
    return rows


def pdf_bytes(rows: list[list[PdfLine]]) -> bytes:
    """A one-page PDF showing ``rows`` with a regular and a bold Type0 font (Identity-H)."""
    chars = sorted({ch for row in rows for text, *_ in row for ch in text})
    code = {ch: i + 1 for i, ch in enumerate(chars)}
    ops = []
    y = 780.0
    for row in rows:
        for text, x, bold, size in row:
            hexed = "".join(f"{code[ch]:04X}" for ch in text)
            ops.append(f"BT /{'F2' if bold else 'F1'} {size} Tf 1 0 0 1 {x} {y} Tm <{hexed}> Tj ET")
        y -= 16.5
    stream = "\n".join(ops).encode()
    bfchars = "\n".join(f"<{code[ch]:04X}> <{ord(ch):04X}>" for ch in chars)
    cmap = (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /VN def "
        "1 begincodespacerange <0000> <FFFF> endcodespacerange "
        f"{len(chars)} beginbfchar\n{bfchars}\nendbfchar endcmap CMapName currentdict /CMap "
        "defineresource pop end end"
    ).encode()

    def font(base: str) -> bytes:
        return (
            f"<< /Type /Font /Subtype /Type0 /BaseFont /{base} /Encoding /Identity-H "
            f"/DescendantFonts [<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{base} "
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
            "/DW 500 >>] /ToUnicode 7 0 R >>"
        ).encode()

    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R /F2 6 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        font("TimesNewRoman"),
        font("TimesNewRoman-Bold"),
        b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def official_pdf(h: Header) -> bytes:
    return pdf_bytes(header_lines(h))


def plain_pdf(lines: list[str]) -> bytes:
    return pdf_bytes([[(line, 85.0, False, 12.0)] for line in lines])


def official_docx(h: Header, *, table: bool = True) -> bytes:
    """The same header as a DOCX: a two-column table (or tab stops), then title and summary."""
    document = docx.Document()
    motto = "ĐẢNG CỘNG SẢN VIỆT NAM" if h.party else "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    left = [x for x in (h.superior, h.issuer, h.number) if x]
    right = [motto, h.date_line]
    if table:
        grid = document.add_table(rows=1, cols=2)
        for cell, lines in zip(grid.rows[0].cells, (left, right), strict=True):
            cell.paragraphs[0].text = lines[0]
            for line in lines[1:]:
                run = cell.add_paragraph().add_run(line)
                run.bold = line == h.issuer
    else:
        for a, b in zip(left, right + [""] * len(left), strict=False):
            document.add_paragraph(f"\t{a}\t{b}")
    for mark in h.marks:
        document.add_paragraph().add_run(mark).bold = True
    if h.title:
        document.add_paragraph().add_run(h.title).bold = True
        document.add_paragraph().add_run(" ".join(h.summary)).bold = True
    else:
        document.add_paragraph(" ".join(h.summary))
        document.add_paragraph("Kính gửi: Các cơ quan, đơn vị")
    document.add_paragraph("Thực hiện chương trình công tác năm, đề nghị các cơ quan thực hiện.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def zip_bytes(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def email_with(
    subject: str,
    files: list[tuple[str, bytes, str]],
    *,
    sender: str = "vanthu@tinhuy.hagiang.dcs.vn",
    html_logo: bool = False, body: str = "Kính gửi: Huyện ủy Mèo Vạc.\n\nTrân trọng.",
) -> bytes:  # fmt: skip
    """An e-mail with a text body (and an HTML body showing a logo) and the given files."""
    message = EmailMessage()
    message["From"] = f"Văn thư <{sender}>"
    message["To"] = "vanthu@huyenuy.meovac.hagiang.dcs.vn"
    message["Subject"] = subject
    message["Message-ID"] = "<test@example.vn>"
    message.set_content(body)
    if html_logo:
        message.add_alternative(f'<p>{body}</p><img src="cid:logo@x">', subtype="html")
        html_part = message.get_payload()[1]
        html_part.add_related(b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "image", "png", cid="<logo@x>",
                              filename="logo.png")  # fmt: skip
    for name, data, mime in files:
        maintype, subtype = mime.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes(policy=SMTP)


EDXML_NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"


@dataclass
class EnvelopeFile:
    name: str
    data: bytes | None  # None: described only (the file travels as a separate MIME part)
    content_type: str = "application/pdf"
    as_attributes: bool = False  # how some sending software writes the fields


def edxml_envelope(
    header: dict[str, str], files: Sequence[EnvelopeFile] = (), *, prolog: str = ""
) -> bytes:
    """An edXML envelope (QCVN 102:2016): MessageHeader fields given as "Parent/Child" paths
    (e.g. "Code/CodeNumber"), and files carried inline in base64 ``Attachment`` elements."""
    groups: dict[str, list[str]] = {}
    for path, value in header.items():
        parent, _, child = path.partition("/")
        text = f"<edXML:{child}>{escape(value)}</edXML:{child}>" if child else escape(value)
        groups.setdefault(parent, []).append(text)
    fields = "".join(f"<edXML:{p}>{''.join(v)}</edXML:{p}>" for p, v in groups.items())
    attachments = []
    for number, f in enumerate(files, 1):
        content = base64.encodebytes(f.data).decode() if f.data is not None else ""
        if f.as_attributes:
            attachments.append(
                f"<edXML:Attachment AttachmentName={quoteattr(f.name)} "
                f'ContentType="{f.content_type}" ContentTransferEncoded="base64">'
                f"{content}</edXML:Attachment>"
            )
        else:
            value = f"<edXML:Value>{content}</edXML:Value>" if f.data is not None else ""
            attachments.append(
                f"<edXML:Attachment><edXML:ContentId>cid:{number}</edXML:ContentId>"
                f"<edXML:AttachmentName>{escape(f.name)}</edXML:AttachmentName>"
                f"<edXML:ContentType>{f.content_type}</edXML:ContentType>"
                f"<edXML:ContentTransferEncoded>base64</edXML:ContentTransferEncoded>"
                f"{value}</edXML:Attachment>"
            )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}'
        f'<edXML:edXMLEnvelope xmlns:edXML="{EDXML_NS}"><edXML:edXMLHeader>'
        f"<edXML:MessageHeader>{fields}</edXML:MessageHeader></edXML:edXMLHeader>"
        f"<edXML:edXMLBody><edXML:AttachmentEncoded>{''.join(attachments)}"
        f"</edXML:AttachmentEncoded></edXML:edXMLBody></edXML:edXMLEnvelope>"
    ).encode()


def forwarded(
    inner: bytes, subject: str, *, sender: str = "chanh.vanphong@hagiang.gov.vn"
) -> bytes:
    """A message forwarding ``inner`` as an attached message/rfc822 (as mail clients do)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "vanthu@huyenuy.meovac.hagiang.dcs.vn"
    message["Subject"] = subject
    message["Message-ID"] = "<fwd@example.vn>"
    message.set_content("Chuyển tiếp văn bản để đồng chí biết, thực hiện.")
    message.add_attachment(message_from_bytes(inner, policy=SMTP), filename="van ban.eml")
    return message.as_bytes(policy=SMTP)


def with_inline_image(raw: bytes, name: str, data: bytes) -> bytes:
    """``raw`` plus an inline image the HTML does not show (a pasted signature, say)."""
    message = message_from_bytes(raw, policy=SMTP)
    assert isinstance(message, EmailMessage)
    message.add_attachment(data, maintype="image", subtype="png", filename=name,
                           disposition="inline")  # fmt: skip
    return message.as_bytes(policy=SMTP)


def legacy_font(text: str, encoding: str) -> str:
    """``text`` as a PDF typed in a TCVN3 (.VnTime) or VNI font extracts: mojibake.

    TCVN3 capitals come from a separate capitals font whose codes are the small letters', so
    capitals are written with the small-letter codes (what extraction really returns)."""
    import unicodedata

    from gateway.pipeline.text import legacy

    table = legacy.TCVN3_MAP if encoding == "TCVN3" else legacy.VNI_MAP
    reverse: dict[str, str] = {}
    for code, letter in table.items():
        reverse.setdefault(letter, code)
    out = []
    for ch in unicodedata.normalize("NFC", text):
        if encoding == "TCVN3" and ch not in reverse and ch.lower() in reverse:
            ch = ch.lower()
        out.append(reverse.get(ch, ch))
    return "".join(out)
