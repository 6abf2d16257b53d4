"""Inbound trust: S/MIME and PDF signatures checked against the organisation's trust roots."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from gateway.app import App
from gateway.config import Settings, load_settings
from gateway.db.models import Document, InboundMessage
from gateway.intake.store import IncomingMail, Intake
from gateway.outgoing.signing.keys import SigningKey
from gateway.outgoing.signing.pades import sign_pdf
from gateway.outgoing.signing.smime import sign_mail
from gateway.pipeline.parse import parse_message
from gateway.pipeline.trust import assess_trust
from gateway.pipeline.worker import Worker
from tests.support.mailgen import minimal_pdf
from tests.support.pki import CA
from tests.support.settings import PARTY_MAILBOX
from tests.support.signing_config import PASSPHRASE, STATE_PASSPHRASE_ENV, write_outgoing_config

SENDER = "vanthu@tinhuy.hagiang.dcs.vn"
SIGNED_AT = dt.datetime(2026, 11, 2, 15, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))


@pytest.fixture(scope="module")
def ca() -> CA:
    return CA.create()


@pytest.fixture(scope="module")
def sender_key(ca: CA) -> SigningKey:
    return ca.issue("Văn phòng Tỉnh ủy Hà Giang", SENDER)


@pytest.fixture
def settings(tmp_path: Path, database_url: str, ca: CA,
             monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:  # fmt: skip
    """Both organisations trust the tests' CA."""
    monkeypatch.setenv(STATE_PASSPHRASE_ENV, PASSPHRASE)
    yield load_settings(write_outgoing_config(tmp_path, database_url, ca))


def official(key: SigningKey | None, pdf_key: SigningKey | None, n: int = 1,
             sender: str = SENDER, extra: list[tuple[str, str]] | None = None) -> bytes:
    """A Party resolution from ``sender``: the PDF signed by pdf_key, the mail by key."""
    symbol = f"{n:02d}-NQ/TU"
    pdf = minimal_pdf(f"So {symbol}")
    if pdf_key is not None:
        pdf = sign_pdf(pdf, pdf_key, number_symbol=symbol, signed_at=SIGNED_AT,
                       signer_name="Bí thư Tỉnh ủy", visible=False)  # fmt: skip
    content = EmailMessage()
    content.set_content(f"Kính gửi: Văn thư.\nGửi nghị quyết số {symbol}.\n")
    content.add_attachment(pdf, maintype="application", subtype="pdf",
                           filename=f"{symbol.replace('/', '-')}.pdf")  # fmt: skip
    headers = [("From", f"Văn thư <{sender}>"), ("To", PARTY_MAILBOX),
               ("Subject", f"Nghị quyết số {symbol} của Tỉnh ủy Hà Giang về cải cách"),
               ("Date", "Mon, 02 Nov 2026 08:00:00 +0000"),
               ("Message-ID", f"<trust-{n}@tinhuy.hagiang.dcs.vn>"), *(extra or [])]  # fmt: skip
    return sign_mail(headers, content, key)


def trust_of(settings: Settings, raw: bytes) -> dict[str, Any]:
    parsed = parse_message(raw, max_depth=5, max_parts=500)
    return assess_trust(parsed, settings.organisation("huyenuy-meovac"), raw, settings)


def results(trust: dict[str, Any]) -> list[tuple[str, str]]:
    return [(c["kind"], c["result"]) for c in trust["checks"]]


def tamper(raw: bytes) -> bytes:
    """Change one byte of the signed entity (the text body's transfer encoding header)."""
    changed = raw.replace(b"charset=\"utf-8\"",
                          b"charset=\"UTF-8\"", 1)  # fmt: skip
    assert changed != raw
    return changed


def test_signed_mail_and_pdf_from_the_sender_are_verified(settings: Settings, sender_key):
    """A valid S/MIME mail with a valid signed PDF, both by the sender: verified."""
    trust = trust_of(settings, official(sender_key, sender_key))
    assert results(trust) == [("smime", "valid"), ("pdf", "valid")]
    assert trust["level"] == "verified"
    assert SENDER in trust["checks"][0]["emails"]


def test_tampered_mail_fails(settings: Settings, sender_key):
    """One changed byte in the signed mail: the S/MIME check fails and so does trust."""
    trust = trust_of(settings, tamper(official(sender_key, None)))
    assert results(trust) == [("smime", "invalid")] and trust["level"] == "failed"


def test_tampered_pdf_fails(settings: Settings, sender_key):
    """A signed PDF changed after signing (in an unsigned mail): the PDF check fails."""
    pdf = sign_pdf(minimal_pdf("So 07-NQ/TU"), sender_key, number_symbol="07-NQ/TU",
                   signed_at=SIGNED_AT, signer_name="Bí thư", visible=False)  # fmt: skip
    bad = bytearray(pdf)
    bad[pdf.index(b"So 07")] ^= 0x01
    content = EmailMessage()
    content.set_content("Kính gửi: Văn thư.\n")
    content.add_attachment(bytes(bad), maintype="application", subtype="pdf",
                           filename="07-NQ-TU.pdf")  # fmt: skip
    raw = sign_mail([("From", SENDER), ("To", PARTY_MAILBOX), ("Subject", "Nghị quyết số 07-NQ/TU"),
                     ("Message-ID", "<t7@tinhuy.hagiang.dcs.vn>")], content, None)  # fmt: skip
    trust = trust_of(settings, raw)
    assert results(trust) == [("pdf", "invalid")] and trust["level"] == "failed"


def test_unknown_ca_is_unverified(settings: Settings):
    """Intact signatures from a CA that is not a trust root lower trust to unverified."""
    stranger = CA.create("CA lạ").issue("Văn thư", SENDER)
    trust = trust_of(settings, official(stranger, stranger))
    assert results(trust) == [("smime", "untrusted"), ("pdf", "untrusted")]
    assert trust["level"] == "unverified"


def test_signer_other_than_sender_fails(settings: Settings, ca: CA):
    """A valid signature whose certificate names someone other than the From address."""
    other = ca.issue("Người khác", "nguoikhac@tinhuy.hagiang.dcs.vn")
    trust = trust_of(settings, official(other, None))
    assert results(trust) == [("smime", "mismatch")] and trust["level"] == "failed"
    assert "not the sender vanthu@tinhuy.hagiang.dcs.vn" in trust["checks"][0]["detail"]


def test_server_authentication_without_signature(settings: Settings):
    """No signature, but the official server's DKIM pass: authenticated."""
    raw = official(None, None, extra=[(
        "Authentication-Results", "mail.hagiang.dcs.vn; dkim=pass header.d=tinhuy.hagiang.dcs.vn")])
    trust = trust_of(settings, raw)
    assert results(trust) == [("auth-results", "pass")] and trust["level"] == "authenticated"
    assert trust_of(settings, official(None, None))["level"] == "unverified"


def test_pipeline_records_trust_and_never_aborts(app: App, sender_key):
    """Through the pipeline: each document keeps its trust record, failed ones too."""
    intake = Intake(app.settings, app.db, app.blobs)
    for raw in (official(sender_key, sender_key, 1), tamper(official(sender_key, None, 2))):
        intake.store(IncomingMail(raw=raw, mailboxes=[PARTY_MAILBOX], source="file"))
    Worker(app.settings, app.db, app.blobs).run_until_idle()
    with app.db.transaction() as session:
        states = session.scalars(select(InboundMessage.state)).all()
        documents = session.scalars(select(Document).where(Document.direction == "in")
                                    .order_by(Document.id)).all()  # fmt: skip
        assert states == ["processed", "processed"]
        assert [d.trust["level"] for d in documents] == ["verified", "failed"]
