"""File intake: .eml files, folders, mbox and Maildir, through the same store."""

from __future__ import annotations

import mailbox
from pathlib import Path

from gateway.config import Settings
from gateway.intake.files import iter_sources, receiving_mailboxes
from tests.support.mailgen import official_email
from tests.support.settings import PARTY_MAILBOX, STATE_MAILBOX


def test_folder_mbox_and_maildir_are_all_read(tmp_path: Path):
    """Every message in .eml files, an mbox and a Maildir is found, bytes unchanged."""
    (tmp_path / "eml").mkdir()
    (tmp_path / "eml" / "a.eml").write_bytes(official_email(1))
    box = mailbox.mbox(tmp_path / "box.mbox")
    for n in (2, 3):
        box.add(official_email(n))
    box.close()
    maildir = mailbox.Maildir(tmp_path / "md")
    maildir.add(official_email(4))
    sources = list(iter_sources([tmp_path / "eml", tmp_path / "box.mbox", tmp_path / "md"]))
    assert len(sources) == 4 and all(s.raw for s in sources)
    assert sources[0].raw == official_email(1)


def test_missing_path_is_reported_not_fatal(tmp_path: Path):
    """A path that does not exist becomes an error entry naming it."""
    (source,) = iter_sources([tmp_path / "nope.eml"])
    assert source.raw is None and source.error == "no such file or folder"


def test_receiving_mailbox_is_read_from_the_headers(settings: Settings):
    """Delivered-To / To naming an official mailbox decides the receiver."""
    raw = official_email(5, mailbox=STATE_MAILBOX)
    assert receiving_mailboxes(raw, settings, None) == [STATE_MAILBOX]
    forwarded = b"Delivered-To: " + PARTY_MAILBOX.encode() + b"\r\n" + raw
    assert receiving_mailboxes(forwarded, settings, None) == [PARTY_MAILBOX]


def test_default_mailbox_applies_when_headers_do_not_say(settings: Settings):
    """--mailbox is used when no official mailbox is in the headers."""
    raw = b"From: a@b.vn\r\nTo: someone@else.vn\r\n\r\nx\r\n"
    assert receiving_mailboxes(raw, settings, STATE_MAILBOX) == [STATE_MAILBOX]
    assert receiving_mailboxes(raw, settings, None) == []  # two orgs: no guessing
