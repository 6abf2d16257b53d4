"""The index follows registration: same transaction, same folding on both backends."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from gateway.app import App
from gateway.archive import search
from gateway.archive.search.entry import search_entries
from gateway.archive.search.fold import fold
from gateway.db.models import Document
from tests.archive.test_fold import VIETNAMESE
from tests.support.archive import add_document, ingest


def _ids(app: App, query: str) -> list[int]:
    with app.db.transaction() as session:
        return [r["id"] for r in search.search(session, search.parse(query))]


def test_registered_mail_is_found_by_subject_sender_and_file_name(app: App):
    """The pipeline indexes each registered document: subject, sender, file name, summary."""
    ingest(app, 5, 6)  # 05-TB/HU and 06-NQ/BTCTU, about the border ("đường biên giới")
    with app.db.transaction() as session:
        documents = {d.number_symbol: d.id for d in session.scalars(select(Document))}
    assert set(_ids(app, "tinhuy.hagiang")) == set(documents.values())  # sender
    assert _ids(app, "06-NQ-BTCTU.pdf") == [documents["06-NQ/BTCTU"]]  # file name
    assert _ids(app, "05-tb/hu") == [documents["05-TB/HU"]]  # number-symbol
    assert set(_ids(app, "giam sat duong bien gioi")) == set(documents.values())  # summary


def test_index_entry_is_rolled_back_with_its_registration(app: App):
    """A re-index in a transaction that fails is rolled back with it."""
    add_document(app, summary="về công tác dân vận")
    with app.db.transaction() as session:
        assert session.scalar(select(search_entries.c.document_id)) is not None
    with pytest.raises(RuntimeError), app.db.transaction() as session:
        document = session.scalars(select(Document)).one()
        document.summary = "về quốc phòng"
        search.index_document(session, document)
        raise RuntimeError("correction failed")
    assert _ids(app, "dan van") and not _ids(app, "quoc phong")


def test_postgresql_unaccent_folds_like_fold(app: App):
    """PostgreSQL's unaccent and fold() agree on every Vietnamese letter (same index text)."""
    if not app.db.is_postgresql:
        pytest.skip("unaccent is PostgreSQL's")
    with app.db.transaction() as session:
        for letters in (VIETNAMESE, VIETNAMESE.upper()):
            assert session.scalar(text("SELECT unaccent(:t)"), {"t": letters}) == fold(letters)
