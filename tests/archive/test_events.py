"""The audit trail is hash-chained: an edited or deleted event is detected."""

from __future__ import annotations

from sqlalchemy import delete, update

from gateway.app import App
from gateway.archive import events
from gateway.db.models import Event


def _three_events(app: App) -> list[int]:
    with app.db.transaction() as session:
        return [events.record(session, "test", "thing", i, data={"i": i}).id for i in range(3)]


def test_intact_chain_verifies(app: App):
    """A chain nobody touched has no breaks."""
    _three_events(app)
    with app.db.transaction() as session:
        assert list(events.verify_chain(session)) == []


def test_edited_event_is_named(app: App):
    """Changing an event's data breaks its hash, and verify says which event."""
    ids = _three_events(app)
    with app.db.transaction() as session:
        session.execute(update(Event).where(Event.id == ids[1]).values(data={"i": 99}))
    with app.db.transaction() as session:
        problems = list(events.verify_chain(session))
    assert any(f"event {ids[1]}: content" in p for p in problems)


def test_deleted_event_is_noticed(app: App):
    """Removing an event from the middle breaks the link of the next one."""
    ids = _three_events(app)
    with app.db.transaction() as session:
        session.execute(delete(Event).where(Event.id == ids[1]))
    with app.db.transaction() as session:
        problems = list(events.verify_chain(session))
    assert any(f"event {ids[2]}: previous hash" in p for p in problems)
