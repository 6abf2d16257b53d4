"""Outgoing mail: the Vietnamese subject and names a recipient sees are the ones written.

The stdlib's SMTP policy turns some spaces into folding white space between two encoded
words, which RFC 2047 decoders drop: "sự lãnh đạo" arrived as "sự lãnhđạo" in 15 of the 63
subjects below. ``OUTGOING`` must not. Mail is rendered, and its headers decoded as RFC 2047
says (``email.header.decode_header``: white space between encoded words ignored) and, for
the subject, also by the stdlib's own parser; everything else must be as the stdlib renders
it.
"""

from __future__ import annotations

import random
from email import message_from_bytes, policy
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formataddr

import pytest
from sqlalchemy import select

from gateway.app import App
from gateway.db.models import Organisation
from gateway.outgoing.folding import OUTGOING
from gateway.outgoing.outbox import enqueue

WORDS = ["Nghị", "quyết", "số", "04-NQ/TU", "ngày", "12/04/2016", "của", "Tỉnh", "ủy", "Hà",
         "Giang", "về", "việc", "tăng", "cường", "sự", "lãnh", "đạo", "[Xử", "lý]", "Đảng",
         "đối", "với", "Mèo", "Vạc", "–", "“trích", "yếu”", "(khẩn)", "[Phối", "hợp]"]  # fmt: skip
SENDER = "vanthu@huyenuy.meovac.hagiang.dcs.vn"
rng = random.Random(7)
SUBJECTS = [
    "[Phối hợp] NQ số 04-NQ/TU của Tỉnh ủy Hà Giang về tăng cường sự lãnh đạo của Đảng "
    "đối với công tác phòng, chống tham nhũng",  # the stdlib's came back as "lãnhđạo"
    "Re: Công văn số 123/UBND-VP",
    "x" * 40 + " ủy",
    *(" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 45))) for _ in range(60)),
]
NAMES = [
    "Phòng Nông nghiệp và Phát triển nông thôn",  # rules/: the stdlib's lost a space
    "Sở Thông tin và Truyền thông tỉnh Hà Giang",
    "Huyện ủy Mèo Vạc",
    *(" ".join(rng.choice(WORDS[:-4]) for _ in range(rng.randint(1, 14))) for _ in range(40)),
]


def _strict(value: str) -> str:
    """A header value decoded as RFC 2047 says (what mail clients show)."""
    return str(make_header(decode_header(value)))


def _notice(subject: str, sender_name: str = "Huyện ủy Mèo Vạc") -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = formataddr((sender_name, SENDER))
    mail["To"] = "canbo@huyenuy.meovac.hagiang.dcs.vn, " + formataddr(("Nguyễn Văn Á", "a@x.vn"))
    mail["Subject"] = subject
    mail["Auto-Submitted"] = "auto-generated"
    mail["Message-ID"] = "<1@huyenuy.meovac.hagiang.dcs.vn>"
    mail.set_content("Kính gửi đồng chí,\n\n" + subject + "\n")
    return mail


def _head_lines(raw: bytes) -> list[bytes]:
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert head.isascii()
    return head.split(b"\r\n")


@pytest.mark.parametrize("subject", SUBJECTS)
def test_subject_decodes_to_what_was_written(subject: str) -> None:
    mail = _notice(subject)
    raw = mail.as_bytes(policy=OUTGOING)
    assert _strict(message_from_bytes(raw)["Subject"]) == subject
    back = message_from_bytes(raw, policy=policy.default)
    assert back["Subject"] == subject
    stock = message_from_bytes(mail.as_bytes(policy=SMTP), policy=policy.default)
    assert back.get_content() == stock.get_content()
    assert back["Message-ID"] == stock["Message-ID"]
    assert max(len(line) for line in _head_lines(raw)) <= 78


@pytest.mark.parametrize("name", NAMES)
def test_display_names_decode_to_what_was_written(name: str) -> None:
    raw = _notice("Thông báo", sender_name=name).as_bytes(policy=OUTGOING)
    parsed = message_from_bytes(raw)
    assert _strict(parsed["From"]) == f"{name} <{SENDER}>"
    assert _strict(parsed["To"]) == "canbo@huyenuy.meovac.hagiang.dcs.vn, Nguyễn Văn Á <a@x.vn>"
    addresses = message_from_bytes(raw, policy=policy.default)["From"].addresses
    assert [a.addr_spec for a in addresses] == [SENDER]
    assert max(len(line) for line in _head_lines(raw)) <= 78


def test_ascii_groups_and_parameters_are_rendered_as_the_stdlib_does() -> None:
    """Only non-ASCII text and display names take the other path: an ASCII subject and
    names, a group and an RFC 2231 file name come out byte for byte as the stdlib's."""
    mail = EmailMessage()
    mail["From"] = formataddr(("Van thu Huyen uy", SENDER))
    mail["To"] = "Lãnh đạo: a@huyenuy.meovac.hagiang.dcs.vn, b@huyenuy.meovac.hagiang.dcs.vn;"
    mail["Subject"] = "Plain ASCII subject"
    mail.set_content("x\n")
    mail.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf",
                        filename="Nghị quyết số 04.pdf")  # fmt: skip
    assert mail.as_bytes(policy=OUTGOING) == mail.as_bytes(policy=SMTP)


def test_the_outbox_queues_the_subject_as_written(app: App) -> None:
    """The bytes the outbox keeps (and the sender sends) carry the subject as written, for a
    subject that the stdlib's own rendering alters."""
    subject = SUBJECTS[0]
    stock = message_from_bytes(_notice(subject).as_bytes(policy=SMTP))
    assert _strict(stock["Subject"]) != subject  # the case this is about
    with app.db.transaction() as session:
        org_id = session.scalars(select(Organisation.id).order_by(Organisation.id)).first()
        assert org_id is not None
        row = enqueue(session, app.blobs, organisation_id=org_id, kind="notice",
                      mail=_notice(subject), mail_from=SENDER)  # fmt: skip
        sha = row.raw_sha256
    assert _strict(message_from_bytes(app.blobs.read(sha))["Subject"]) == subject
