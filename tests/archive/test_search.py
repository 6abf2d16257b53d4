"""Archive search on SQLite FTS5 and PostgreSQL: Vietnamese with and without diacritics."""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

import pytest

from gateway.app import App
from gateway.archive import search
from gateway.archive.search.query import Filters
from gateway.db.models import Document
from tests.support.archive import add_document


def _find(app: App, text: str, **filters: Any) -> list[dict[str, Any]]:
    with app.db.transaction() as session:
        return search.search(session, search.parse(text, Filters(**filters)))


def _ids(app: App, text: str, **filters: Any) -> list[int]:
    return [r["id"] for r in _find(app, text, **filters)]


@pytest.fixture
def archive(app: App) -> dict[str, int]:
    """A small archive: a resolution, a plan, a notice and a State decision."""
    return {
        "nq": add_document(
            app, doc_type="NQ", doc_type_name="Nghị quyết", number_symbol="04-NQ/TU",
            issuer="Tỉnh ủy Hà Giang", issued_date=dt.date(2025, 4, 12),
            summary="về công tác cán bộ và xây dựng đường giao thông nông thôn",
            text="Tỉnh ủy Hà Giang. Nghị quyết về công tác cán bộ. Đồng Văn, Mèo Vạc.",
        ),
        "kh": add_document(
            app, doc_type="KH", doc_type_name="Kế hoạch", number_symbol="20-KH/HU",
            issuer="Huyện ủy Đồng Văn", issued_date=dt.date(2025, 9, 1),
            summary="kiểm tra, giám sát đường biên giới",
            text="Thực hiện Nghị quyết số 04-NQ/TU của Tỉnh ủy, Huyện ủy kiểm tra biên giới.",
        ),
        "tb": add_document(
            app, doc_type="TB", doc_type_name="Thông báo", number_symbol="15-TB/HU",
            issuer="Huyện ủy Đồng Văn", issued_date=dt.date(2026, 1, 5),
            summary="lịch tiếp dân của Thường trực", status="done",
            text="Quỹ dương tính, đương nhiệm, dưỡng sức: không có từ cần tìm.",
        ),
        "qd": add_document(
            app, org="ubnd-meovac", system="state", doc_type="QĐ", doc_type_name="Quyết định",
            number_symbol="123/QĐ-UBND", issuer="Ủy ban nhân dân huyện Mèo Vạc",
            issued_date=dt.date(2025, 5, 20), summary="phê duyệt dự án đường liên xã",
        ),
    }  # fmt: skip


def test_query_without_diacritics_finds_vietnamese_text(app: App, archive: dict[str, int]):
    """ "duong bien gioi" finds "đường biên giới"; "dong van" finds "Đồng Văn" (đ folded)."""
    assert _ids(app, "duong bien gioi") == [archive["kh"]]
    assert set(_ids(app, "dong van")) == {archive["nq"], archive["kh"], archive["tb"]}
    assert set(_ids(app, "DONG VAN")) == set(_ids(app, "Đồng Văn"))


def test_query_with_diacritics_ranks_exact_matches_first(app: App, archive: dict[str, int]):
    """ "đường" matches "dương"/"đương" folded, but the documents with "đường" come first."""
    results = _find(app, "đường")
    ids = [r["id"] for r in results]
    assert set(ids) == {archive["nq"], archive["kh"], archive["tb"], archive["qd"]}
    assert set(ids[:3]) == {archive["nq"], archive["kh"], archive["qd"]}
    assert ids[3] == archive["tb"] and not results[3]["exact"]
    assert all(r["exact"] for r in results[:3])


def test_nfd_query_finds_the_same_as_nfc(app: App, archive: dict[str, int]):
    """A decomposed query (NFD) gives the same results as the composed one."""
    nfc = "Tỉnh ủy cán bộ"
    assert _ids(app, unicodedata.normalize("NFD", nfc)) == _ids(app, nfc) == [archive["nq"]]


@pytest.mark.parametrize(
    "typed", ["04-NQ/TU", "04 - NQ / TU", "04–nq/tu", "4-NQ/TU", "Số 04-NQ/TU", "số: 04 nq-tu"]
)
def test_number_symbol_variants_find_the_document_first(
    app: App, archive: dict[str, int], typed: str
):
    """Spacing, dashes, case and "Số" do not matter; the document itself precedes citations."""
    results = _find(app, typed)
    assert results[0]["id"] == archive["nq"] and results[0]["match"] == "number_symbol"
    # The plan cites 04-NQ/TU in its text: found too, after the resolution itself.
    if typed.startswith(("04", "Số 04", "số: 04")):
        assert [r["id"] for r in results] == [archive["nq"], archive["kh"]]


def test_number_symbol_prefix_and_state_form(app: App, archive: dict[str, int]):
    """ "04-NQ" finds 04-NQ/TU; a State number "123/qd-ubnd" finds 123/QĐ-UBND."""
    assert _ids(app, "04-NQ")[0] == archive["nq"]
    assert _ids(app, "123/qd-ubnd") == [archive["qd"]]


def test_filters_restrict_results(app: App, archive: dict[str, int]):
    """Type, issuer (without diacritics), date range, direction, organisation and status."""
    assert _ids(app, "duong", doc_type="KH") == [archive["kh"]]
    assert _ids(app, "đường", doc_type="qd") == [archive["qd"]]
    assert set(_ids(app, "duong", issuer="huyen uy dong van")) == {archive["kh"], archive["tb"]}
    spring = {"since": dt.date(2025, 3, 1), "until": dt.date(2025, 5, 31)}
    assert set(_ids(app, "duong", **spring)) == {archive["nq"], archive["qd"]}
    assert _ids(app, "duong", org="ubnd-meovac") == [archive["qd"]]
    assert _ids(app, "duong", status="done") == [archive["tb"]]
    assert _ids(app, "duong", direction="out") == []


def test_filters_alone_list_newest_first(app: App, archive: dict[str, int]):
    """An empty query with filters lists the matching documents, newest first."""
    assert _ids(app, "", org="huyenuy-meovac") == [archive["tb"], archive["kh"], archive["nq"]]


def test_phrase_needs_the_words_together(app: App, archive: dict[str, int]):
    """A quoted phrase matches adjacent words only."""
    assert _ids(app, '"bien gioi"') == [archive["kh"]]
    assert _ids(app, '"cán bộ xây dựng"') == []
    assert _ids(app, '"cán bộ và xây dựng"') == [archive["nq"]]


def test_snippet_highlights_the_matched_words_as_written(app: App, archive: dict[str, int]):
    """The snippet shows the original text with the matched words marked."""
    [result] = _find(app, "giam sat duong bien")
    assert "**giám sát đường biên**" in result["snippet"]
    assert result["number_symbol"] == "20-KH/HU" and result["score"] > 0


def test_results_are_the_document_json_of_docs_show(app: App, archive: dict[str, int]):
    """Each result carries CONTRACT's document fields plus score and snippet."""
    [result] = _find(app, "123/QĐ-UBND")
    for name in ("id", "org", "direction", "book", "year", "number", "number_symbol", "issuer",
                 "issued_date", "summary", "status", "message", "files", "trust"):  # fmt: skip
        assert name in result
    assert result["org"] == "ubnd-meovac" and result["issued_date"] == "2025-05-20"


def test_reindexing_a_corrected_document_replaces_its_words(app: App, archive: dict[str, int]):
    """A correction re-indexes in its transaction: old words go, new ones are found."""
    with app.db.transaction() as session:
        document = session.get_one(Document, archive["tb"])
        document.summary = "về phòng chống thiên tai"
        search.index_document(session, document)
    assert _ids(app, "thien tai") == [archive["tb"]]
    assert _ids(app, "tiep dan") == []
    assert _ids(app, '"duong tinh"') == [archive["tb"]]  # the extracted text was kept


def test_removed_document_is_no_longer_found(app: App, archive: dict[str, int]):
    """remove_document drops a document from the index."""
    with app.db.transaction() as session:
        search.remove_document(session, archive["qd"])
    assert _ids(app, "lien xa") == []


def test_limit_caps_results(app: App, archive: dict[str, int]):
    """--limit N returns at most N results."""
    with app.db.transaction() as session:
        assert len(search.search(session, search.parse("duong", limit=2))) == 2
