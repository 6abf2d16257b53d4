"""`gateway verify` names every alteration: a blob byte, an edited row, a deleted event."""

from __future__ import annotations

from sqlalchemy import delete, func, select, update

from gateway.app import App
from gateway.archive import spool
from gateway.archive.verify import Report, verify
from gateway.db.models import Attachment, Blob, Document, Event, InboundMessage
from tests.support.archive import ingest


def _verify(app: App) -> Report:
    with app.db.transaction() as session:
        return verify(session, app.blobs)


def _details(report: Report) -> list[str]:
    return [str(p) for p in report.problems]


def test_intact_archive_verifies(app: App):
    """Freshly registered mail passes every check."""
    ingest(app, 1, 2, 3)
    report = _verify(app)
    assert report.ok, _details(report)
    with app.db.transaction() as session:
        blobs = session.scalar(select(func.count()).select_from(Blob))
    # 3 raw messages + 3 attachments, plus whatever mail the gateway queued (acknowledgements).
    assert blobs is not None and blobs >= 6
    assert report.checked["blobs"] == blobs and report.checked["documents"] == 3
    assert report.checked["events"] >= 6


def test_one_changed_byte_of_a_blob_is_named(app: App):
    """Flipping one byte of a stored attachment names that blob."""
    ingest(app, 1, 2)
    with app.db.transaction() as session:
        sha256 = session.scalars(select(Attachment.sha256).order_by(Attachment.id)).first()
    assert sha256 is not None
    path = app.blobs.path(sha256)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    report = _verify(app)
    assert [(p.kind, p.id) for p in report.problems] == [("blob", sha256)]
    assert "content altered" in report.problems[0].detail


def test_missing_raw_message_blob_is_named(app: App):
    """A deleted raw message file is reported as missing, by its hash."""
    ingest(app, 1)
    with app.db.transaction() as session:
        raw = session.scalars(select(InboundMessage.raw_sha256)).one()
    spool.drain(app.db, app.blobs)  # out of the raw spool: the file is the only copy
    app.blobs.path(raw).unlink()
    assert _details(_verify(app)) == [f"blob {raw}: unreadable or missing: blob {raw} is not "
                                      "in the store"]  # fmt: skip


def test_edited_event_row_is_named(app: App):
    """Changing the data of a recorded event breaks its hash."""
    ingest(app, 1, 2)
    with app.db.transaction() as session:
        event = session.scalars(select(Event).where(Event.kind == "document.registered")).first()
        assert event is not None
        session.execute(update(Event).where(Event.id == event.id).values(actor="someone-else"))
        event_id = event.id
    assert _details(_verify(app)) == [
        f"event chain: event {event_id}: content does not match its hash (edited?)"
    ]


def test_edited_document_row_is_named(app: App):
    """Changing a register number (số đến) disagrees with the event that registered it."""
    ingest(app, 1, 2)
    with app.db.transaction() as session:
        document = session.scalars(select(Document).order_by(Document.id)).first()
        assert document is not None
        session.execute(update(Document).where(Document.id == document.id).values(number=99))
    problems = _verify(app).problems
    assert [(p.kind, p.id) for p in problems] == [("document", str(document.id))]
    assert "number is 99" in problems[0].detail


def test_edited_attachment_size_is_named(app: App):
    """An attachment row whose recorded size no longer matches its blob is named."""
    ingest(app, 1)
    with app.db.transaction() as session:
        attachment = session.scalars(select(Attachment)).one()
        session.execute(update(Attachment).where(Attachment.id == attachment.id).values(size=1))
    assert [(p.kind, p.id) for p in _verify(app).problems] == [("attachment", str(attachment.id))]


def test_deleted_event_is_named(app: App):
    """Deleting an event from the middle of the chain names the event after the gap."""
    ingest(app, 1, 2, 3)
    with app.db.transaction() as session:
        ids = list(session.scalars(select(Event.id).order_by(Event.id)))
        session.execute(delete(Event).where(Event.id == ids[1]))
    expected = f"event {ids[2]}: previous hash does not match event {ids[0]} (deleted?)"
    assert f"event chain: {expected}" in _details(_verify(app))


def test_deleted_last_event_is_named(app: App):
    """Deleting the newest event is caught by the chain head."""
    ingest(app, 1)
    with app.db.transaction() as session:
        last = session.scalars(select(Event.id).order_by(Event.id.desc())).first()
        session.execute(delete(Event).where(Event.id == last))
    assert any(f"chain head points at event {last}" in d for d in _details(_verify(app)))
