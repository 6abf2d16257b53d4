"""Bulk rebuilds of the index (reindex, the 0007 migration) and the filter tags."""

from __future__ import annotations

import datetime as dt
from typing import Any

from alembic import command

from gateway.app import App
from gateway.archive.search import rebuild
from gateway.db.migrate import alembic_config
from tests.archive.test_search import _ids
from tests.support.archive import add_document


def _archive(app: App) -> dict[str, int]:
    return {
        "kh": add_document(
            app, doc_type="KH", doc_type_name="Kế hoạch", number_symbol="20-KH/HU",
            issuer="Huyện ủy Đồng Văn", issued_date=dt.date(2025, 9, 1),
            summary="kiểm tra, giám sát đường biên giới",
            text="Huyện ủy kiểm tra mốc quốc giới trên cao nguyên đá.",
        ),
        "nq": add_document(
            app, doc_type="NQ", doc_type_name="Nghị quyết", number_symbol="04-NQ/TU",
            issuer="Tỉnh ủy Hà Giang", issued_date=dt.date(2023, 1, 31),
            summary="về công tác cán bộ", text="Đường giao thông nông thôn, cao nguyên đá.",
        ),
    }  # fmt: skip


QUERIES: list[tuple[str, dict[str, Any]]] = [
    ("cao nguyen da", {}), ("đường", {}), ('"moc quoc gioi"', {}), ("20-KH/HU", {}),
    ("cao nguyên", {"doc_type": "NQ"}),
    ("cao nguyen", {"since": dt.date(2023, 1, 31), "until": dt.date(2023, 2, 1)}),
]  # fmt: skip


def _answers(app: App) -> list[list[int]]:
    return [_ids(app, text, **filters) for text, filters in QUERIES]


def test_reindex_keeps_the_extracted_text_and_changes_nothing(app: App):
    """A rebuild from the register gives the same answers, full text included, twice."""
    docs = _archive(app)
    before = _answers(app)
    assert before[2] == [docs["kh"]] and before[4] == [docs["nq"]] == before[5]
    for _ in range(2):
        with app.db.transaction() as session:
            done = rebuild.reindex(session)
        assert (done.documents, done.with_text) == (2, 2)
        assert _answers(app) == before


def test_refresh_from_search_entries_changes_nothing(app: App):
    """Re-deriving the full-text structures from search_entries alone gives the same answers."""
    _archive(app)
    before = _answers(app)
    with app.db.transaction() as session:
        assert rebuild.refresh(session) == 2
    assert _answers(app) == before


def test_upgrade_to_0007_reindexes_existing_entries(app: App):
    """Downgrading 0007 and upgrading again (as an old database does) keeps every answer."""
    _archive(app)
    before = _answers(app)
    config = alembic_config(app.settings.database_url)
    command.downgrade(config, "0007_search_speed@-1")
    command.upgrade(config, "heads")
    assert _answers(app) == before


def test_date_filters_beyond_the_month_tags_still_apply(app: App):
    """Open-ended and multi-year ranges (no month tags) filter exactly on the date."""
    docs = _archive(app)
    assert _ids(app, "cao nguyen", since=dt.date(2024, 1, 1)) == [docs["kh"]]
    assert _ids(app, "cao nguyen", until=dt.date(2024, 1, 1)) == [docs["nq"]]
    wide = {"since": dt.date(2020, 1, 1), "until": dt.date(2025, 8, 31)}
    assert _ids(app, "cao nguyen", **wide) == [docs["nq"]]
    assert _ids(app, "cao nguyen", since=dt.date(2023, 2, 1), until=dt.date(2023, 1, 1)) == []
