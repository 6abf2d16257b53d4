"""Durable intake: stored once, recognised when delivered again, per organisation."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from gateway.app import App
from gateway.archive.spool import read_raw
from gateway.db.models import Delivery, InboundMessage
from gateway.errors import StorageError
from gateway.intake.store import ImapOrigin, IncomingMail, Intake
from tests.support.mailgen import official_email
from tests.support.settings import PARTY_MAILBOX, STATE_MAILBOX


def _count(app: App, model: type) -> int:
    with app.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_stored_message_keeps_its_exact_bytes(app: App):
    """The raw message is kept (raw spool or blob store), byte for byte, under its SHA-256."""
    raw = official_email(1)
    stored = Intake(app.settings, app.db, app.blobs).store(
        IncomingMail(raw=raw, mailboxes=[PARTY_MAILBOX], source="smtp")
    )
    with app.db.transaction() as session:
        message = session.get_one(InboundMessage, stored.message_ids[0])
        assert message.state == "received"
        assert message.subject and message.subject.startswith(("Nghị", "Kế", "Thông", "Hướng"))
    assert read_raw(app.db, app.blobs, message.raw_sha256) == raw


def test_smtp_retry_of_the_same_message_is_stored_once(app: App):
    """A sender that retries after a lost 250 does not create a second message."""
    intake = Intake(app.settings, app.db, app.blobs)
    mail = IncomingMail(raw=official_email(2), mailboxes=[PARTY_MAILBOX], source="smtp")
    first, second = intake.store(mail), intake.store(mail)
    assert first.message_ids == second.message_ids
    assert second.duplicate and not first.duplicate
    assert _count(app, InboundMessage) == 1
    assert _count(app, Delivery) == 2  # both deliveries are on record


def test_copy_with_extra_received_headers_is_the_same_message(app: App):
    """The same message via another path (more Received headers) is recognised."""
    intake = Intake(app.settings, app.db, app.blobs)
    raw = official_email(3)
    relayed = b"Received: from mx.tinh.vn by imap.tinh.vn; Mon, 2 Nov 2026 08:00:01 +0700\r\n" + raw
    intake.store(IncomingMail(raw=raw, mailboxes=[PARTY_MAILBOX], source="smtp"))
    again = intake.store(IncomingMail(raw=relayed, mailboxes=[PARTY_MAILBOX], source="imap"))
    assert again.duplicate
    assert _count(app, InboundMessage) == 1


def test_message_to_two_organisations_is_one_message_each(app: App):
    """Each receiving organisation gets its own message, to register in its own book."""
    stored = Intake(app.settings, app.db, app.blobs).store(
        IncomingMail(raw=official_email(4), mailboxes=[PARTY_MAILBOX, STATE_MAILBOX], source="smtp")
    )
    assert len(stored.message_ids) == 2
    assert _count(app, InboundMessage) == 2


def test_same_imap_uid_is_recognised(app: App):
    """An IMAP message already stored under its UID is not stored again."""
    intake = Intake(app.settings, app.db, app.blobs)
    origin = ImapOrigin("vanthu@imap.test", "INBOX", 7, 42)
    mail = IncomingMail(
        raw=official_email(5), mailboxes=[PARTY_MAILBOX], source="imap", imap=origin
    )
    assert not intake.store(mail).duplicate
    assert intake.store(mail).duplicate
    assert _count(app, Delivery) == 1


def test_batch_is_committed_together(app: App):
    """store_batch makes every message of the batch durable in one go."""
    intake = Intake(app.settings, app.db, app.blobs)
    mails = [
        IncomingMail(raw=official_email(n), mailboxes=[PARTY_MAILBOX], source="smtp")
        for n in range(10, 30)
    ]
    results = intake.store_batch(mails)
    assert len({r.message_ids for r in results}) == 20
    assert _count(app, InboundMessage) == 20


def test_message_without_message_id_is_deduplicated_by_content(app: App):
    """No Message-ID: identical bytes are still one message."""
    raw = b"From: a@b.vn\r\nSubject: x\r\n\r\nbody\r\n"
    intake = Intake(app.settings, app.db, app.blobs)
    intake.store(IncomingMail(raw=raw, mailboxes=[PARTY_MAILBOX], source="file"))
    assert intake.store(IncomingMail(raw=raw, mailboxes=[PARTY_MAILBOX], source="file")).duplicate


def test_unknown_mailbox_is_refused_without_storing(app: App):
    """A mailbox no organisation owns is an error, and no row is written."""
    with pytest.raises(StorageError, match="not an official mailbox"):
        Intake(app.settings, app.db, app.blobs).store(
            IncomingMail(raw=official_email(6), mailboxes=["x@elsewhere.vn"], source="file")
        )
    assert _count(app, InboundMessage) == 0


def test_dedupe_lookup_searches_the_unique_index(app: App):
    """The batch's message look-up uses (organisation_id, dedupe_key), never a whole scan."""
    if app.db.is_postgresql:
        pytest.skip("SQLite's query plan")
    sql, params = Intake(app.settings, app.db, app.blobs).rows.message_ids_sql([1, 2], ["a", "b"])
    with app.db.transaction() as session:
        cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
        plan = " ".join(str(row) for row in cursor.execute("EXPLAIN QUERY PLAN " + sql, params))
    assert "SEARCH" in plan and "organisation_id=? AND dedupe_key=?" in plan
