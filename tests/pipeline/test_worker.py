"""The worker: states, retries with backoff, quarantine with a reason; nothing is lost."""

from __future__ import annotations

import datetime as dt
import os

from sqlalchemy import update

from gateway.app import App
from gateway.archive import spool
from gateway.archive.spool import read_raw
from gateway.db.models import InboundMessage
from gateway.intake.store import IncomingMail, Intake
from gateway.pipeline.worker import Worker
from tests.support.mailgen import official_email
from tests.support.settings import PARTY_MAILBOX


def _receive(app: App, raw: bytes) -> int:
    stored = Intake(app.settings, app.db, app.blobs).store(
        IncomingMail(raw=raw, mailboxes=[PARTY_MAILBOX], source="file")
    )
    return stored.message_ids[0]


def _message(app: App, message_id: int) -> InboundMessage:
    with app.db.transaction() as session:
        return session.get_one(InboundMessage, message_id)


def test_message_with_a_document_ends_processed(app: App):
    """A message carrying a PDF is processed and its attachment recorded as a document."""
    message_id = _receive(app, official_email(1))
    (outcome,) = Worker(app.settings, app.db, app.blobs).run_until_idle()
    assert (outcome.state, outcome.documents) == ("processed", 1)
    assert _message(app, message_id).error is None


def test_message_without_document_says_why(app: App):
    """A plain note is processed with no registration and a reason."""
    message_id = _receive(app, b"From: a@b.vn\r\nSubject: hop giao ban\r\n\r\nChieu nay hop.\r\n")
    Worker(app.settings, app.db, app.blobs).run_until_idle()
    message = _message(app, message_id)
    assert message.state == "processed"
    assert message.error and "no official document" in message.error


def test_broken_structure_without_document_is_quarantined(app: App):
    """A multipart whose boundary never appears is set aside for the clerk, with the reason."""
    raw = (
        b"From: a@b.vn\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="nowhere"\r\n\r\njunk\r\n'
    )
    message_id = _receive(app, raw)
    Worker(app.settings, app.db, app.blobs).run_until_idle()
    message = _message(app, message_id)
    assert message.state == "quarantined"
    assert message.error and "StartBoundaryNotFoundDefect" in message.error
    assert read_raw(app.db, app.blobs, message.raw_sha256) == raw  # raw bytes stay retrievable


def test_our_failure_is_retried_with_backoff_then_succeeds(app: App):
    """When the blob cannot be read the message fails, waits, and is processed later."""
    message_id = _receive(app, official_email(2))
    spool.drain(app.db, app.blobs)  # out of the raw spool: the blob file is the only copy
    blob = app.blobs.path(_message(app, message_id).raw_sha256)
    hidden = blob.with_name("hidden")
    blob.rename(hidden)
    worker = Worker(app.settings, app.db, app.blobs)
    (outcome,) = worker.run_until_idle()
    failed = _message(app, message_id)
    assert outcome.state == failed.state == "failed"
    assert failed.retry_at is not None and failed.retry_at > dt.datetime.now(dt.UTC)
    assert worker.run_until_idle() == []  # not due yet
    hidden.rename(blob)
    with app.db.transaction() as session:
        session.execute(
            update(InboundMessage).values(retry_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
        )
    (outcome,) = worker.run_until_idle()
    assert outcome.state == "processed"
    assert _message(app, message_id).attempts == 2


def test_expired_claim_is_taken_over(app: App):
    """A message claimed by a worker that died is processed once its claim expires."""
    message_id = _receive(app, official_email(3))
    dead = Worker(app.settings, app.db, app.blobs)
    assert dead.claim() == message_id  # and then the process dies
    with app.db.transaction() as session:
        session.execute(
            update(InboundMessage).values(claimed_until=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
        )
    (outcome,) = Worker(app.settings, app.db, app.blobs).run_until_idle()
    assert outcome.state == "processed"


def test_claim_of_a_dead_process_is_released_at_start(app: App):
    """After kill -9, the next start gives back the dead worker's claim at once."""
    message_id = _receive(app, official_email(4))
    dead = Worker(app.settings, app.db, app.blobs)
    dead.name = dead.name.replace(f":{os.getpid()}:", ":999999999:")
    assert dead.claim() == message_id
    assert Worker(app.settings, app.db, app.blobs).release_orphaned_claims() == 1
    assert _message(app, message_id).state == "received"
