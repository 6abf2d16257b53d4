"""Search on SQLite: an FTS5 table beside ``search_entries``, fed the folded text.

The FTS5 table is contentless (the text lives once, in ``search_entries``) and has two sets
of columns: ``head/meta/body`` hold the folded text (FTS5 folds case but not đ, so folding
is done by ``fold``) and ``head_x/meta_x/body_x`` the text as written, which tells which
matches have the diacritics the user typed. Removing a row from a contentless table needs the
values it was given, which are rebuilt from ``search_entries``.
"""

from __future__ import annotations

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    column,
    delete,
    insert,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.orm import Session

from gateway.archive.search.backend import RANKED, Hit, filtered
from gateway.archive.search.entry import IndexEntry, load_entry, save_entry, search_entries
from gateway.archive.search.fold import fold
from gateway.archive.search.query import Query

FOLDED = "{head meta body}"
EXACT = "{head_x meta_x body_x}"
# bm25 weights per column: the number-symbol, type and summary count most, the full text least.
WEIGHTS = "10.0, 4.0, 1.0, 0.0, 0.0, 0.0"
FTS = table("search_fts", column("rowid", Integer))
BM25: ColumnElement[float] = literal_column(f"-bm25(search_fts, {WEIGHTS})", Float)
INSERT_FTS = (
    "INSERT INTO search_fts (rowid, head, meta, body, head_x, meta_x, body_x) "
    "VALUES (:rowid, :head, :meta, :body, :head_x, :meta_x, :body_x)"
)


def _fts_values(entry: IndexEntry) -> dict[str, object]:
    return {
        "rowid": entry.document_id,
        "head": fold(entry.head), "meta": fold(entry.meta), "body": fold(entry.body),
        "head_x": entry.head, "meta_x": entry.meta, "body_x": entry.body,
    }  # fmt: skip


def _match(columns: str, terms: tuple[tuple[str, ...], ...]) -> str:
    """An FTS5 query: every term (a word, or a phrase of words) in one of the columns."""
    return " AND ".join(f'{columns} : "{" ".join(term)}"' for term in terms)


class SqliteSearch:
    name = "sqlite-fts5"

    def index_document(self, session: Session, entry: IndexEntry) -> None:
        self._forget(session, entry.document_id)
        save_entry(session, entry)
        session.execute(
            text(INSERT_FTS),
            _fts_values(entry),
        )

    def remove(self, session: Session, document_id: int) -> None:
        self._forget(session, document_id)
        session.execute(
            delete(search_entries).where(search_entries.c.document_id == document_id)
        )

    def _forget(self, session: Session, document_id: int) -> None:
        old = load_entry(session, document_id)
        if old is not None:
            session.execute(
                text(
                    "INSERT INTO search_fts (search_fts, rowid, head, meta, body, head_x, "
                    "meta_x, body_x) VALUES ('delete', :rowid, :head, :meta, :body, :head_x, "
                    ":meta_x, :body_x)"
                ),
                _fts_values(old),
            )

    def search(self, session: Session, query: Query, exclude: frozenset[int]) -> list[Hit]:
        document_id = search_entries.c.document_id
        # The newest RANKED matches that pass the filters are ranked (see backend.RANKED):
        # FTS5 walks its doclist in descending rowid order and stops there.
        candidates = (
            filtered([document_id.label("id"), BM25.label("score")], query.filters)
            .join(FTS, FTS.c.rowid == document_id)
            .where(text("search_fts MATCH :q").bindparams(q=_match(FOLDED, query.folded_terms)))
            .order_by(FTS.c.rowid.desc())
            .limit(RANKED)
        )
        if exclude:
            candidates = candidates.where(document_id.not_in(exclude))
        c = candidates.subquery("c")
        if query.accented:
            exact_ids = text(
                "SELECT rowid FROM search_fts WHERE search_fts MATCH :xq"
            ).bindparams(xq=_match(EXACT, query.exact_terms)).columns(column("rowid", Integer))
            exact: ColumnElement[bool] = c.c.id.in_(exact_ids)
            order = [exact.desc()]
        else:
            exact, order = literal_column("0"), []  # no diacritics typed: nothing to prefer
        found = (
            select(c.c.id, c.c.score, exact.label("exact"))
            .order_by(*order, c.c.score.desc(), c.c.id.desc())
            .limit(query.limit)
        )
        return [Hit(row.id, float(row.score), bool(row.exact), "text")
                for row in session.execute(found)]  # fmt: skip


def add_new(session: Session, entries: list[IndexEntry]) -> None:
    """Bulk-index documents never indexed before (a rebuild, a benchmark's load)."""
    session.execute(insert(search_entries), [e.values() for e in entries])
    session.execute(text(INSERT_FTS), [_fts_values(e) for e in entries])


def rebuild(session: Session) -> int:
    """Re-feed the FTS5 table from ``search_entries`` (after a change to ``fold``)."""
    session.execute(text("INSERT INTO search_fts (search_fts) VALUES ('delete-all')"))
    count = 0
    for row in session.execute(select(search_entries)):
        session.execute(
            text(INSERT_FTS),
            _fts_values(IndexEntry(**row._asdict())),
        )
        count += 1
    return count
