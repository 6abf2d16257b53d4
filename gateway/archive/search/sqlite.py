"""Search on SQLite: two FTS5 tables beside ``search_entries``, fed the folded text.

``search_fts`` matches: ``head/meta/body`` hold the folded text (FTS5 folds case but not đ,
so folding is done by ``fold``), ``head_x/meta_x/body_x`` the text as written, which tells
which matches have the diacritics the user typed, and ``tags`` the filter words (tags.py).
``search_rank`` holds only the folded head fields (and the tags) and ranks: ``bm25`` first
counts the documents holding each word, which on ``search_fts`` means reading the whole list
of a common word (tens of milliseconds), and on the small table a fraction of it. It scores
the candidates that have every word in their head fields; the others score 0. (Scoring the
ones with some of the words would need an OR over every document since the oldest
candidate, and FTS5 cannot be handed the candidates' rowids without one look-up each.)

Both tables are contentless (the text lives once, in ``search_entries``). Removing a row
from a contentless table needs the values it was given, rebuilt from ``search_entries``.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Integer, column, delete, insert, select, table, text
from sqlalchemy.orm import Session

from gateway.archive.search.backend import (
    RANKED,
    Candidate,
    Hit,
    best,
    filter_conditions,
    filtered,
)
from gateway.archive.search.entry import IndexEntry, load_entry, save_entry, search_entries
from gateway.archive.search.fold import fold
from gateway.archive.search.query import Query
from gateway.archive.search.tags import Tag, TagQuery, entry_tags, query_tags

FOLDED = "{head meta body}"
EXACT = "{head_x meta_x body_x}"
# bm25 weights of search_rank's columns: the number-symbol, type, summary and issuer count
# most, then sender, subject and file names; the tags not at all.
RANK_WEIGHTS = "10.0, 4.0, 0.0"
FTS = table("search_fts", column("rowid", Integer))
INSERT_FTS = text(
    "INSERT INTO search_fts (rowid, head, meta, body, head_x, meta_x, body_x, tags) "
    "VALUES (:rowid, :head, :meta, :body, :head_x, :meta_x, :body_x, :tags)"
)
DELETE_FTS = text(
    "INSERT INTO search_fts (search_fts, rowid, head, meta, body, head_x, meta_x, body_x, "
    "tags) VALUES ('delete', :rowid, :head, :meta, :body, :head_x, :meta_x, :body_x, :tags)"
)
INSERT_RANK = text(
    "INSERT INTO search_rank (rowid, head, meta, tags) VALUES (:rowid, :head, :meta, :tags)"
)
DELETE_RANK = text(
    "INSERT INTO search_rank (search_rank, rowid, head, meta, tags) "
    "VALUES ('delete', :rowid, :head, :meta, :tags)"
)
SCORES = text(
    f"SELECT rowid, -bm25(search_rank, {RANK_WEIGHTS}) FROM search_rank "
    "WHERE search_rank MATCH :q AND rowid >= :lo"
)
EXACT_IDS = text("SELECT rowid FROM search_fts WHERE search_fts MATCH :q AND rowid >= :lo")


def _tag_word(tag: Tag) -> str:
    return "".join(tag)  # "typenq", "month202504": one unicode61 token


def _fts_values(entry: IndexEntry) -> dict[str, object]:
    return {
        "rowid": entry.document_id,
        "head": fold(entry.head), "meta": fold(entry.meta), "body": fold(entry.body),
        "head_x": entry.head, "meta_x": entry.meta, "body_x": entry.body,
        "tags": " ".join(_tag_word(t) for t in entry_tags(entry.type_key, entry.doc_date)),
    }  # fmt: skip


def _rank_values(entry: IndexEntry) -> dict[str, object]:
    values = _fts_values(entry)
    return {name: values[name] for name in ("rowid", "head", "meta", "tags")}


def _phrase(term: tuple[str, ...]) -> str:
    return '"' + " ".join(term) + '"'  # words are letters and digits: nothing to escape


def _match(columns: str, terms: tuple[tuple[str, ...], ...], tags: TagQuery) -> str:
    """An FTS5 query: every term (a word, or a phrase of words) in one of the columns, and
    one tag of every tag group."""
    parts = [f"{columns} : {_phrase(term)}" for term in terms]
    parts += [
        "tags : (" + " OR ".join(_phrase((_tag_word(t),)) for t in group) + ")"
        for group in tags.groups
    ]
    return " AND ".join(parts)


class SqliteSearch:
    name = "sqlite-fts5"

    def index_document(self, session: Session, entry: IndexEntry) -> None:
        self._forget(session, entry.document_id)
        save_entry(session, entry)
        session.execute(INSERT_FTS, _fts_values(entry))
        session.execute(INSERT_RANK, _rank_values(entry))

    def remove(self, session: Session, document_id: int) -> None:
        self._forget(session, document_id)
        session.execute(
            delete(search_entries).where(search_entries.c.document_id == document_id)
        )

    def _forget(self, session: Session, document_id: int) -> None:
        old = load_entry(session, document_id)
        if old is not None:
            session.execute(DELETE_FTS, _fts_values(old))
            session.execute(DELETE_RANK, _rank_values(old))

    def reset(self, session: Session) -> None:
        """Empty both FTS5 tables (a rebuild then feeds every document again)."""
        session.execute(text("INSERT INTO search_fts (search_fts) VALUES ('delete-all')"))
        session.execute(text("INSERT INTO search_rank (search_rank) VALUES ('delete-all')"))

    def index_many(self, session: Session, entries: list[IndexEntry]) -> None:
        """Index a batch after ``reset``: no FTS5 row of theirs is left to delete."""
        ids = [e.document_id for e in entries]
        session.execute(delete(search_entries).where(search_entries.c.document_id.in_(ids)))
        session.execute(insert(search_entries), [e.values() for e in entries])
        session.execute(INSERT_FTS, [_fts_values(e) for e in entries])
        session.execute(INSERT_RANK, [_rank_values(e) for e in entries])

    def search(self, session: Session, query: Query, exclude: frozenset[int]) -> list[Hit]:
        ids = self._newest(session, query, exclude)
        if not ids:
            return []
        # Scores and exactness are only needed for the candidates: every one is >= the
        # oldest, and with the tags in both queries few other documents are.
        lo, tags = ids[-1], query_tags(query.filters)
        scored = {"q": _match("{head meta}", query.folded_terms, tags), "lo": lo}
        scores: dict[int, float] = {i: s for i, s in session.execute(SCORES, scored)}
        exact: set[int] = set()
        if query.accented:
            xq = _match(EXACT, query.exact_terms, tags)
            exact = set(session.scalars(EXACT_IDS, {"q": xq, "lo": lo}))
        return best(
            [Candidate(i, float(scores.get(i, 0.0)), i in exact) for i in ids], query.limit
        )

    def _newest(self, session: Session, query: Query, exclude: frozenset[int]) -> list[int]:
        """The newest RANKED matches that pass the filters: FTS5 walks its lists in
        descending rowid order and stops there."""
        condition = text("search_fts MATCH :q").bindparams(
            q=_match(FOLDED, query.folded_terms, query_tags(query.filters))
        )
        rowid: ColumnElement[int] = FTS.c.rowid
        if filter_conditions(query.filters):
            found = filtered([rowid], query.filters).join(
                FTS, FTS.c.rowid == search_entries.c.document_id
            )
        else:  # nothing to check on search_entries: the FTS5 table alone
            found = select(rowid).select_from(FTS)
        found = found.where(condition).order_by(rowid.desc()).limit(RANKED)
        if exclude:
            found = found.where(rowid.not_in(exclude))
        return list(session.scalars(found).all())

