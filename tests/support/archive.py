"""Documents for archive tests: real mail through intake and pipeline, or rows written directly."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from gateway.app import App
from gateway.archive import search
from gateway.db.models import Document, Organisation, RegisterBook, utcnow
from gateway.intake.store import IncomingMail, Intake
from gateway.pipeline.worker import Worker
from tests.support.mailgen import official_email
from tests.support.settings import PARTY_MAILBOX


def ingest(app: App, *numbers: int, mailbox: str = PARTY_MAILBOX) -> None:
    """Receive official_email(n) for each n and run the pipeline until idle."""
    intake = Intake(app.settings, app.db, app.blobs)
    for n in numbers:
        intake.store(IncomingMail(raw=official_email(n, mailbox=mailbox), mailboxes=[mailbox],
                                  source="file"))  # fmt: skip
    Worker(app.settings, app.db, app.blobs).run_until_idle()



def add_document(app: App, *, org: str = "huyenuy-meovac", text: str = "",
                 direction: str = "in", **fields: Any) -> int:  # fmt: skip
    """Insert one register entry with the given fields and index it; returns its id."""
    with app.db.transaction() as session:
        organisation = session.scalars(select(Organisation).where(Organisation.code == org)).one()
        code = "VBD" if direction == "in" else "VBDI"
        book = session.scalars(select(RegisterBook).where(
            RegisterBook.organisation_id == organisation.id, RegisterBook.code == code)
        ).one_or_none()  # fmt: skip
        if book is None:
            book = RegisterBook(organisation_id=organisation.id, code=code, direction=direction,
                                name="Sổ đăng ký văn bản")  # fmt: skip
            session.add(book)
            session.flush()
        number = 1 + (session.scalar(
            select(Document.number).where(Document.book_id == book.id)
            .order_by(Document.number.desc()).limit(1)) or 0)  # fmt: skip
        values: dict[str, Any] = {"status": "registered", "system": "party", "year": 2026,
                                  "registered_at": utcnow(), "number": number}  # fmt: skip
        values.update(fields)
        document = Document(organisation_id=organisation.id, book_id=book.id,
                            direction=direction, evidence={}, trust={}, corrected={},
                            **values)  # fmt: skip
        session.add(document)
        session.flush()
        search.index_document(session, document, text)
        return document.id
