"""Hostile and broken input never crashes the pipeline; raw bytes always stay retrievable."""

from __future__ import annotations

import base64

import pytest

from gateway.app import App
from gateway.archive.spool import read_raw
from gateway.db.models import Attachment, InboundMessage
from gateway.intake.store import IncomingMail, Intake
from gateway.pipeline.parse import parse_message, safe_name
from gateway.pipeline.worker import Worker
from tests.support.mailgen import minimal_pdf
from tests.support.settings import PARTY_MAILBOX


def _process(app: App, raw: bytes) -> InboundMessage:
    (message_id,) = (
        Intake(app.settings, app.db, app.blobs)
        .store(IncomingMail(raw=raw, mailboxes=[PARTY_MAILBOX], source="file"))
        .message_ids
    )
    Worker(app.settings, app.db, app.blobs).run_until_idle()
    with app.db.transaction() as session:
        message = session.get_one(InboundMessage, message_id)
        session.expunge(message)
    assert message.state in ("processed", "quarantined"), message.error
    assert read_raw(app.db, app.blobs, message.raw_sha256) == raw
    return message


def _with_attachment(filename_header: bytes, payload: bytes = minimal_pdf("x")) -> bytes:
    return (
        b"From: a@b.vn\r\nSubject: t\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
        b"Content-Type: text/plain\r\n\r\nxem tep\r\n--b\r\n"
        b"Content-Type: application/octet-stream\r\n" + filename_header + b"\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(payload) + b"--b--\r\n"
    )


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (b'Content-Disposition: attachment; filename="../../etc/passwd"', "passwd"),
        (b'Content-Disposition: attachment; filename="C:\\\\Windows\\\\evil.pdf"', "evil.pdf"),
        (b'Content-Disposition: attachment; filename="..\x01\x1b[31m.pdf"', "[31m.pdf"),
        (
            'Content-Disposition: attachment; filename="Công văn số 5.pdf"'.encode(),
            "Công văn số 5.pdf",
        ),
        (
            b"Content-Disposition: attachment; filename*=UTF-8''C%C3%B4ng%20v%C4%83n.pdf",
            "Công văn.pdf",
        ),
        (
            b'Content-Disposition: attachment; filename="=?UTF-8?B?Q8O0bmcgdsSDbi5wZGY=?="',
            "Công văn.pdf",
        ),
        (
            b'Content-Disposition: attachment; filename="\xc4\x90\xe1\xbb\x81 \xc3\xa1n.pdf"',
            "Đề án.pdf",
        ),
    ],
)
def test_attachment_names_are_decoded_and_cannot_escape_a_folder(header: bytes, expected: str):
    """RFC 2231, RFC 2047-in-quotes and raw UTF-8 names decode; paths and controls are cut."""
    (part,) = parse_message(_with_attachment(header)).attachments
    assert part.name == expected
    assert "/" not in part.name and "\\" not in part.name


def test_name_of_only_dots_and_slashes_is_no_name():
    """A name that is nothing but a path has no usable name left."""
    assert safe_name("../..") is None and safe_name("") is None


def test_pdf_declared_as_octet_stream_is_detected(app: App):
    """The real type comes from the bytes, not from what the sender declared."""
    message = _process(app, _with_attachment(b'Content-Disposition: attachment; filename="x.dat"'))
    with app.db.transaction() as session:
        (attachment,) = session.query(Attachment).filter_by(message_id=message.id).all()
        assert attachment.detected_type == "application/pdf"
        assert attachment.declared_type == "application/octet-stream"


def test_deeply_nested_forwards_stop_at_the_limit(app: App):
    """Forwards nested 60 deep are read to the configured depth, never crashing."""
    inner = b"From: a@b.vn\r\nSubject: goc\r\n\r\nvan ban\r\n"
    for level in range(60):
        inner = (
            b"From: f%d@b.vn\r\nSubject: Fwd\r\nMIME-Version: 1.0\r\n"
            b'Content-Type: multipart/mixed; boundary="n%d"\r\n\r\n--n%d\r\n'
            b"Content-Type: message/rfc822\r\n\r\n"
            % (level, level, level)
            + inner
            + b"\r\n--n%d--\r\n" % level
        )
    parsed = parse_message(inner, max_depth=5)
    assert any("nested deeper than 5" in d for d in parsed.defects)
    _process(app, inner)


def test_thousands_of_parts_are_capped(app: App):
    """A message with 5,000 parts is read up to max_parts and says so."""
    parts = b"".join(b"--b\r\nContent-Type: text/plain\r\n\r\np%d\r\n" % i for i in range(5000))
    raw = (
        b"From: a@b.vn\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n' + parts + b"--b--\r\n"
    )
    assert len(parse_message(raw, max_parts=500).parts) == 500
    _process(app, raw)


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00\x01\x02 binary garbage \xff\xfe",
        b"Subject: =?utf-8?B?not-base64!!?=\r\nFrom: \xff\xfe@@@\r\n\r\nbody",
        b"Content-Type: text/plain; charset=klingon\r\n\r\n\xe1\xbb\x9d",
        b"Content-Type: multipart/mixed\r\n\r\n--\r\n--\r\n",
        b"Content-Transfer-Encoding: base64\r\nContent-Type: application/pdf\r\n\r\n@@@@====",
        b"From: a@b.vn\r\n" + b"X-Long: " + b"a" * 200_000 + b"\r\n\r\nbody",
    ],
)
def test_garbage_is_processed_or_quarantined(app: App, raw: bytes):
    """Empty, binary, undecodable or absurd messages end in a final state with raw kept."""
    _process(app, raw)
