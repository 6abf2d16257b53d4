"""A small generator of Vietnamese official e-mails, so the suite stands without ../shared.

Each message carries a one-page PDF (a real, minimal PDF file) named like the documents the
offices send, a Vietnamese subject encoded as RFC 2047 and a unique Message-ID.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from tests.support.settings import PARTY_MAILBOX

TYPES = [("Nghị quyết", "NQ"), ("Kế hoạch", "KH"), ("Thông báo", "TB"), ("Hướng dẫn", "HD")]
ISSUERS = [
    ("Tỉnh ủy Hà Giang", "TU"),
    ("Ban Tổ chức Tỉnh ủy", "BTCTU"),
    ("Huyện ủy Đồng Văn", "HU"),
]
SUBJECTS = [
    "về tăng cường công tác cải cách hành chính",
    "về việc kiểm tra, giám sát đường biên giới",
]


def minimal_pdf(text: str) -> bytes:
    """A valid one-page PDF whose content stream shows ``text`` (ASCII)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


# Deterministic, so cached: the load tests ask for the same thousands of messages on each
# database, and building one costs 2 ms (mostly the stdlib folding the encoded headers).
@functools.cache
def official_email(
    n: int,
    *,
    mailbox: str = PARTY_MAILBOX,
    sender: str = "vanthu@tinhuy.hagiang.dcs.vn",
    padding: int = 0,
    seed: int | None = None,
) -> bytes:
    """Message number n: a Party document with a PDF; ``padding`` adds that many bytes."""
    rng = random.Random(n if seed is None else seed)
    type_name, type_code = rng.choice(TYPES)
    issuer, issuer_code = rng.choice(ISSUERS)
    symbol = f"{n:02d}-{type_code}/{issuer_code}"
    msg = EmailMessage()
    msg["From"] = f"Văn thư <{sender}>"
    msg["To"] = mailbox
    msg["Subject"] = f"{type_name} số {symbol} của {issuer} {rng.choice(SUBJECTS)}"
    msg["Date"] = format_datetime(dt.datetime(2026, 11, 2, 8, 0, tzinfo=dt.UTC))
    msg["Message-ID"] = f"<gen-{n}-{seed or 0}@tinhuy.hagiang.dcs.vn>"
    body = f"Kính gửi: Văn thư.\nGửi {type_name.lower()} số {symbol}.\n"
    if padding:
        body += "\n" + ("Nội dung kèm theo. " * (padding // 20 + 1))[:padding] + "\n"
    msg.set_content(body)
    msg.add_attachment(
        minimal_pdf(f"So {symbol}"),
        maintype="application",
        subtype="pdf",
        filename=f"{symbol.replace('/', '-')}.pdf",
    )
    msg.set_boundary(f"=_gateway_test_{n}")  # deterministic: the same n gives the same bytes
    # No folding: the stdlib generator drops a space where it folds encoded words.
    return msg.as_bytes(policy=SMTP.clone(max_line_length=998))
