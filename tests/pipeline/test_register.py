"""Registration: consecutive numbers per book and year, duplicates linked, re-runs harmless."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from gateway.app import App
from gateway.db.models import Document, InboundMessage
from gateway.intake.store import IncomingMail, Intake
from gateway.pipeline.worker import Worker
from tests.support.mailgen import official_email
from tests.support.settings import PARTY_MAILBOX, STATE_MAILBOX


def _receive(
    app: App, raw: bytes, mailbox: str = PARTY_MAILBOX, at: dt.datetime | None = None
) -> int:
    stored = Intake(app.settings, app.db, app.blobs).store(
        IncomingMail(raw=raw, mailboxes=[mailbox], source="smtp", received_at=at)
    )
    return stored.message_ids[0]


def _documents(app: App) -> list[Document]:
    with app.db.transaction() as session:
        return list(session.scalars(select(Document).order_by(Document.id)))


def test_numbers_run_from_one_without_gaps_per_organisation(app: App):
    """Each organisation's book counts 1, 2, 3... in order of receipt."""
    for n in range(1, 6):
        _receive(app, official_email(n))
    for n in range(6, 9):
        _receive(app, official_email(n, mailbox=STATE_MAILBOX), mailbox=STATE_MAILBOX)
    Worker(app.settings, app.db, app.blobs).run_until_idle()
    docs = _documents(app)
    party = [d.number for d in docs if d.organisation_id == docs[0].organisation_id]
    state = [d.number for d in docs if d.organisation_id != docs[0].organisation_id]
    assert party == [1, 2, 3, 4, 5]
    assert state == [1, 2, 3]


def test_year_follows_the_organisations_time_zone(app: App):
    """Mail received at 23:30 UTC on 31 December is number 1 of the new year in Hà Nội."""
    _receive(app, official_email(1), at=dt.datetime(2026, 12, 31, 16, 0, tzinfo=dt.UTC))
    _receive(app, official_email(2), at=dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC))
    Worker(app.settings, app.db, app.blobs).run_until_idle()
    assert [(d.year, d.number) for d in _documents(app)] == [(2026, 1), (2027, 1)]


def test_same_document_in_a_new_message_is_linked_not_numbered(app: App):
    """A PDF already registered, sent again in another e-mail, becomes a linked duplicate."""
    _receive(app, official_email(1))
    resent = official_email(1).replace(b"<gen-1-0@", b"<resent-1@")
    _receive(app, resent)
    Worker(app.settings, app.db, app.blobs).run_until_idle()
    first, second = _documents(app)
    assert (first.number, first.duplicate_of) == (1, None)
    assert (second.number, second.duplicate_of) == (None, first.id)


def test_reprocessing_a_message_never_registers_it_twice(app: App):
    """A message processed again (crash after commit, replay) keeps its one registration."""
    message_id = _receive(app, official_email(1))
    worker = Worker(app.settings, app.db, app.blobs)
    worker.run_until_idle()
    with app.db.transaction() as session:
        session.execute(
            update(InboundMessage).where(InboundMessage.id == message_id).values(state="received")
        )
    worker.run_until_idle()
    assert [d.number for d in _documents(app)] == [1]


def test_registered_document_gets_its_retention_period(app: App):
    """Registration stores the retention period (thời hạn bảo quản) from rules/."""
    _receive(app, official_email(1))
    Worker(app.settings, app.db, app.blobs).run_until_idle()
    (document,) = _documents(app)
    assert document.retention is not None
