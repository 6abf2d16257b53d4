"""Replies: registered with the next outgoing number, signed (PAdES + S/MIME), queued, sent."""

from __future__ import annotations

import datetime as dt
import email
import subprocess
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest
from cryptography import x509
from sqlalchemy import func, select

from gateway.app import App
from gateway.archive.lookup import document_json
from gateway.db.models import Document, DocumentFile, Event, OutboundMail
from gateway.errors import ConfigError
from gateway.outgoing.delivery import Sender
from gateway.outgoing.reply import ReplyFile, reply
from gateway.outgoing.signing.keys import SigningError
from gateway.outgoing.signing.verify import verify_pdf, verify_smime
from tests.support.archive import ingest
from tests.support.mailgen import minimal_pdf
from tests.support.relay import Relay
from tests.support.settings import PARTY_MAILBOX, STATE_MAILBOX

SENDER = "vanthu@tinhuy.hagiang.dcs.vn"
VN = dt.timezone(dt.timedelta(hours=7))


def incoming(app: App, n: int = 1, mailbox: str = PARTY_MAILBOX) -> int:
    """Receive official_email(n) and return the registered incoming document's id."""
    ingest(app, n, mailbox=mailbox)
    with app.db.transaction() as session:
        return session.scalars(select(Document.id).where(Document.direction == "in")
                               .order_by(Document.id.desc())).first()  # type: ignore[return-value]  # fmt: skip


def answer(app: App, doc_id: int, **options: object):  # type: ignore[no-untyped-def]
    files = [ReplyFile("tra-loi.pdf", minimal_pdf("Tra loi van ban"))]
    return reply(app.settings, app.db, app.blobs, doc_id, files,
                 "về việc trả lời kiểm tra đường biên giới", **options)  # type: ignore[arg-type]  # fmt: skip


def pdf_of(raw: bytes) -> bytes:
    message = email.message_from_bytes(raw, policy=default)
    assert isinstance(message, EmailMessage)
    part = next(p for p in message.walk() if p.get_content_type() == "application/pdf")
    data = part.get_content()
    assert isinstance(data, bytes)
    return data


def pdfsig(path: Path) -> str:
    return subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout


def test_reply_is_numbered_signed_sent_and_closes_the_original(app: App, relay: Relay,
                                                               tmp_path: Path):  # fmt: skip
    """The full flow: number, PAdES + S/MIME, one delivery, verifiable by openssl and pdfsig."""
    doc_id = incoming(app)
    result = answer(app, doc_id)
    assert result.number_symbol == "01-CV/HU" and result.signed
    assert result.recipients == [SENDER]
    outcomes = Sender(app.settings, app.db, app.blobs).run_until_idle()
    (outcome,) = [o for o in outcomes if o.message_id == result.message_id]
    assert outcome.state == "sent"
    (received,) = [r for r in relay.handler.received if r.message_id == result.message_id]
    assert received.message_id == result.message_id and received.rcpt_to == [SENDER]
    raw = received.data
    with app.db.transaction() as session:
        original = session.get_one(Document, doc_id)
        out = session.get_one(Document, result.document_id)
        mail = session.scalars(select(OutboundMail).where(OutboundMail.kind == "reply")).one()
        (file,) = session.scalars(select(DocumentFile)).all()
        answered = session.scalars(select(Event).where(Event.kind == "document.answered")).one()
        assert original.status == "done" and answered.data["reply"] == out.id
        assert (out.direction, out.number, out.number_symbol) == ("out", 1, "01-CV/HU")
        assert app.blobs.read(mail.raw_sha256) == raw  # archived: exactly the bytes sent
        assert file.signed and app.blobs.read(file.sha256) == pdf_of(raw)
        in_reply_to = session.get_one(Document, doc_id).message_id
        shown = document_json(session, out)  # `docs show` lists the files as sent
    assert [(f["name"], f["sha256"], f["signed"]) for f in shown["files"]] == [
        (file.name, file.sha256, True)
    ]
    headers = email.message_from_bytes(raw, policy=default)
    assert headers["In-Reply-To"] == "<gen-1-0@tinhuy.hagiang.dcs.vn>" == headers["References"]
    assert in_reply_to is not None
    assert "Công văn số 01-CV/HU" in str(headers["Subject"])

    ca = tmp_path / "keys" / "ca.pem"
    (tmp_path / "sent.eml").write_bytes(raw)
    verified = subprocess.run(["openssl", "smime", "-verify", "-CAfile", str(ca), "-in",
                               str(tmp_path / "sent.eml"), "-out", "/dev/null"],
                              capture_output=True, text=True)  # fmt: skip
    assert verified.returncode == 0, verified.stderr
    assert "Verification successful" in verified.stderr
    cms = subprocess.run(["openssl", "cms", "-verify", "-CAfile", str(ca), "-in",
                          str(tmp_path / "sent.eml"), "-out", "/dev/null"],
                         capture_output=True, text=True)  # fmt: skip
    assert cms.returncode == 0, cms.stderr

    pdf = pdf_of(raw)
    (tmp_path / "signed.pdf").write_bytes(pdf)
    report = pdfsig(tmp_path / "signed.pdf")
    assert "Signature Validation: Signature is Valid." in report
    assert "Total document signed" in report
    roots = x509.load_pem_x509_certificates(ca.read_bytes())
    (check,) = verify_pdf(pdf, roots)
    assert check.result == "valid" and PARTY_MAILBOX in check.emails
    smime = verify_smime(raw, roots, PARTY_MAILBOX)
    assert smime is not None and smime.result == "valid"

    # One byte changed in the signed range: both pdfsig and pyHanko say so.
    tampered = bytearray(pdf)
    at = pdf.index(b"Tra loi van ban")
    tampered[at] ^= 0x01
    (tmp_path / "tampered.pdf").write_bytes(bytes(tampered))
    report = pdfsig(tmp_path / "tampered.pdf")
    assert "Signature is Valid." not in report and "Digest Mismatch" in report
    assert [c.result for c in verify_pdf(bytes(tampered), roots)] == ["invalid"]
    bad_mail = raw.replace(b'filename="tra-loi.pdf"', b'filename="tra-loj.pdf"', 1)
    assert bad_mail != raw  # one byte of the signed entity changed
    (tmp_path / "tampered.eml").write_bytes(bad_mail)
    refused = subprocess.run(["openssl", "smime", "-verify", "-CAfile", str(ca), "-in",
                              str(tmp_path / "tampered.eml"), "-out", "/dev/null"],
                             capture_output=True, text=True)  # fmt: skip
    assert refused.returncode != 0
    tampered_check = verify_smime(bad_mail, roots, PARTY_MAILBOX)
    assert tampered_check is not None and tampered_check.result == "invalid"


def test_party_numbers_run_per_type_within_the_term(app: App):
    """Party: CV and TB have their own series; a new year does not restart them."""
    doc_id = incoming(app)
    at = dt.datetime(2026, 12, 31, 23, 0, tzinfo=VN)
    symbols = [answer(app, doc_id, now=at).number_symbol,
               answer(app, doc_id, doc_type="TB", now=at).number_symbol,
               answer(app, doc_id, now=at + dt.timedelta(hours=2)).number_symbol]  # fmt: skip
    assert symbols == ["01-CV/HU", "01-TB/HU", "02-CV/HU"]


def test_state_numbers_restart_each_calendar_year(app: App):
    """State: one series per calendar year in the organisation's time zone."""
    doc_id = incoming(app, 2, mailbox=STATE_MAILBOX)
    first = answer(app, doc_id, now=dt.datetime(2026, 12, 31, 16, 0, tzinfo=dt.UTC))  # 23:00
    second = answer(app, doc_id, now=dt.datetime(2026, 12, 31, 16, 59, tzinfo=dt.UTC))
    third = answer(app, doc_id, now=dt.datetime(2026, 12, 31, 17, 1, tzinfo=dt.UTC))  # 00:01
    assert [(r.year, r.number_symbol) for r in (first, second, third)] == [
        (2026, "01/UBND-VP"), (2026, "02/UBND-VP"), (2027, "01/UBND-VP")]  # fmt: skip


def test_failed_signature_uses_no_number_and_queues_nothing(app: App):
    """A PDF that cannot be signed rolls the whole reply back: no number, no mail."""
    doc_id = incoming(app)
    broken = [ReplyFile("hong.pdf", b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\n%%EOF\n")]
    with pytest.raises(SigningError):
        reply(app.settings, app.db, app.blobs, doc_id, broken, "về việc thử")
    with app.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(OutboundMail)
                              .where(OutboundMail.kind == "reply")) == 0  # fmt: skip
        assert session.scalar(select(func.count()).select_from(Document)
                              .where(Document.direction == "out")) == 0  # fmt: skip
    assert answer(app, doc_id).number_symbol == "01-CV/HU"


def test_unsigned_only_when_allowed(app: App, relay: Relay):
    """--no-sign is refused unless the organisation allows unsigned mail."""
    party_doc = incoming(app)
    with pytest.raises(ConfigError, match="allow_unsigned"):
        answer(app, party_doc, sign=False)
    state_doc = incoming(app, 2, mailbox=STATE_MAILBOX)
    result = answer(app, state_doc, sign=False, to=["phongnoivu@ubnd.meovac.hagiang.gov.vn"])
    assert not result.signed and result.recipients == ["phongnoivu@ubnd.meovac.hagiang.gov.vn"]
    Sender(app.settings, app.db, app.blobs).run_until_idle()
    (received,) = [r for r in relay.handler.received if r.message_id == result.message_id]
    assert b"multipart/signed" not in received.data
    assert verify_smime(received.data, [], None) is None


def test_verify_rechecks_stored_signatures(app: App, relay: Relay, tmp_path: Path):
    """`gateway verify` re-checks signed PDFs and mails; an altered signed blob is named."""
    from tests.support.gateway_process import run

    doc_id = incoming(app)
    answer(app, doc_id)
    config = tmp_path / "gateway.toml"
    assert run(config, "verify").returncode == 0
    with app.db.transaction() as session:
        file = session.scalars(select(DocumentFile)).one()
        path = app.blobs.path(file.sha256)
    data = bytearray(path.read_bytes())
    data[data.index(b"Tra loi van ban")] ^= 0x01
    path.chmod(0o644)
    path.write_bytes(bytes(data))
    result = run(config, "verify", check=False)
    assert result.returncode == 1
    out = result.stdout.decode()
    assert "signature document" in out and "does not match the signed bytes" in out
