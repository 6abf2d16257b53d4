"""`gateway reindex` as an operator runs it: a lost index comes back, twice is once."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import delete

from gateway.app import App
from gateway.archive.search.entry import search_entries
from gateway.archive.search.service import backend_for
from gateway.config import load_settings
from tests.cli.test_commands import _imported
from tests.support.gateway_process import run, run_json


def _drop_index_rows(config: Path) -> None:
    """Lose the whole index: its rows and, on SQLite, the FTS5 tables beside them."""
    app = App(load_settings(config))
    try:
        with app.db.transaction() as session:
            session.execute(delete(search_entries))
            backend_for(session).reset(session)
    finally:
        app.close()


def _numbers(config: Path, query: str) -> list[str]:
    return [r["number_symbol"] for r in run_json(config, "search", query)]


def test_reindex_restores_lost_index_rows_and_is_idempotent(tmp_path: Path, database_url: str):
    """Deleted index rows are rebuilt from the register; a second run changes nothing."""
    config = _imported(tmp_path, database_url)
    before = _numbers(config, "tang cuong cai cach")
    assert before and _numbers(config, "01-KH/HU") == ["01-KH/HU"]
    _drop_index_rows(config)
    assert _numbers(config, "tang cuong cai cach") == []
    summary = run_json(config, "reindex")
    assert summary["documents"] == 2 and summary["with_text"] == 0  # the text was in the rows
    assert _numbers(config, "tang cuong cai cach") == before  # the summary is in the register
    assert _numbers(config, "01-KH/HU") == ["01-KH/HU"]
    reread = run_json(config, "reindex", "--reread")
    assert (reread["documents"], reread["with_text"]) == (2, 2)  # read from the stored PDFs
    again = run(config, "reindex").stdout.decode()
    assert again.startswith("Re-indexed 2 documents (2 with extracted text)")
    assert _numbers(config, "tang cuong cai cach") == before
