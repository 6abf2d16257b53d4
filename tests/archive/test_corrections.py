"""A clerk corrects a registered document: recorded with who and why, searchable at once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from gateway.app import App
from gateway.archive import events
from gateway.archive.corrections import CorrectionError, correct
from gateway.archive.search import parse, search
from gateway.db.models import Document, Event
from tests.support.archive import ingest


def _document(app: App) -> Document:
    with app.db.transaction() as session:
        return session.scalars(select(Document).order_by(Document.id)).first()  # type: ignore[return-value]


def test_correction_changes_the_field_and_is_recorded(app: App):
    """The new value is stored, the old one and the clerk's name go to the audit chain."""
    ingest(app, 1)
    with app.db.transaction() as session:
        document = session.scalars(select(Document)).one()
        old = document.summary
        applied = correct(session, document, {"summary": "về công tác đường biên giới",
                                              "issued_date": "2026-11-02"},
                          actor="Nguyễn Thị Văn Thư", reason="sai trích yếu")  # fmt: skip
    assert applied["summary"] == (old, "về công tác đường biên giới")
    with app.db.transaction() as session:
        document = session.scalars(select(Document)).one()
        assert document.summary == "về công tác đường biên giới"
        assert document.corrected["summary"]["by"] == "Nguyễn Thị Văn Thư"
        assert document.evidence["summary"].startswith("corrected by Nguyễn Thị Văn Thư")
        event = session.scalars(select(Event).where(Event.kind == "document.corrected")).one()
        assert event.actor == "Nguyễn Thị Văn Thư"
        assert event.data["changes"]["issued_date"][1] == "2026-11-02"
        assert list(events.verify_chain(session)) == []


def test_corrected_summary_is_found_by_search(app: App):
    """Search sees the correction in the same transaction (no re-index step)."""
    ingest(app, 1)
    with app.db.transaction() as session:
        document = session.scalars(select(Document)).one()
        correct(session, document, {"summary": "về phòng chống thiên tai"}, actor="VT",
                reason="")  # fmt: skip
    with app.db.transaction() as session:
        hits = search(session, parse("phong chong thien tai"))
    assert [h["id"] for h in hits] == [_document(app).id]


@pytest.mark.parametrize(
    ("changes", "message"),
    [({"urgency": "rất khẩn"}, "urgency: expected"), ({"issued_date": "2/11/2026"}, "YYYY-MM-DD"),
     ({"number": "5"}, "cannot correct number")],
)
def test_wrong_values_are_refused_with_the_reason(app: App, changes: dict[str, str], message: str):
    """Unknown fields and malformed values change nothing and say what is expected."""
    ingest(app, 1)
    with app.db.transaction() as session, pytest.raises(CorrectionError, match=message):
        correct(session, session.scalars(select(Document)).one(), changes, actor="VT", reason="")
