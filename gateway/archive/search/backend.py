"""The search backend interface, and what both implementations share: filters and hits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import Session

from gateway.archive.search.entry import IndexEntry, search_entries
from gateway.archive.search.fold import key
from gateway.archive.search.query import Filters, Query
from gateway.db.models import Document, Organisation

# Matching is cheap on both databases, ranking is not: it reads every candidate, and a
# syllable such as "công" is in 83% of documents. Both backends therefore rank the newest
# RANKED matches that pass the filters (all of them for rarer words and narrower
# combinations) by the small head fields (number-symbol, type, summary, issuer; then sender,
# subject, file names), newest first among equals. On PostgreSQL each candidate is a row
# read from the heap, which a stock server's 128 MB of shared_buffers does not hold at
# 100,000 documents: 1,000 candidates keep a search under 50 ms where 2,000 took 60-100 ms.
# The same number on SQLite (which would manage 2,000) gives the same answers on both.
RANKED = 1000


@dataclass(frozen=True)
class Hit:
    document_id: int
    score: float  # higher is better; comparable within one result list only
    exact: bool  # every term matched with the diacritics as typed
    match: str  # "number_symbol" (its own number) or "text"


class Candidate(NamedTuple):
    """One of the newest matches, before ranking (a tuple: thousands are built per query)."""

    document_id: int
    score: float  # relevance of the head fields; 0 when the words are only in the text
    exact: bool


def best(candidates: list[Candidate], limit: int) -> list[Hit]:
    """Exact-diacritic matches first, then the head score, then the newest."""
    ranked = sorted(candidates, key=lambda c: (c.exact, c.score, c.document_id), reverse=True)
    return [Hit(c.document_id, c.score, c.exact, "text") for c in ranked[:limit]]


class SearchBackend(Protocol):
    """A full-text index kept in the database, updated in the caller's transaction.

    ``index_document`` replaces whatever was indexed for the document (so corrections just
    call it again); ``remove`` forgets it; ``reset`` then ``index_many`` rebuild in bulk;
    ``search`` returns the best ``query.limit`` text matches that pass the filters,
    exact-diacritic matches first, leaving out ``exclude``.
    """

    name: str

    def index_document(self, session: Session, entry: IndexEntry) -> None: ...

    def remove(self, session: Session, document_id: int) -> None: ...

    def reset(self, session: Session) -> None:
        """Before a rebuild: empty what ``index_many`` would otherwise have to replace."""

    def index_many(self, session: Session, entries: list[IndexEntry]) -> None:
        """Index a batch of documents after ``reset`` (a rebuild, a benchmark's load)."""

    def search(self, session: Session, query: Query, exclude: frozenset[int]) -> list[Hit]: ...


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def filter_conditions(filters: Filters) -> list[ColumnElement[bool]]:
    """The filters as conditions over ``search_entries`` joined with ``documents``."""
    entries = search_entries.c
    conditions: list[ColumnElement[bool]] = []
    if filters.doc_type:
        conditions.append(entries.type_key == key(filters.doc_type))
    if filters.issuer:
        pattern = f"%{_escape_like(key(filters.issuer))}%"
        conditions.append(entries.issuer_key.like(pattern, escape="\\"))
    if filters.since:
        conditions.append(entries.doc_date >= filters.since)
    if filters.until:
        conditions.append(entries.doc_date <= filters.until)
    if filters.direction:
        conditions.append(Document.direction == filters.direction)
    if filters.status:
        conditions.append(Document.status == filters.status)
    if filters.org:
        conditions.append(
            Document.organisation_id.in_(
                select(Organisation.id).where(Organisation.code == filters.org)
            )
        )
    return conditions


def filtered(columns: list[Any], filters: Filters) -> Select[Any]:
    """SELECT columns FROM search_entries [JOIN documents] WHERE <filters>."""
    query = select(*columns).select_from(search_entries)
    if filters.direction or filters.status or filters.org:  # the join costs a scan otherwise
        query = query.join(Document, Document.id == search_entries.c.document_id)
    return query.where(*filter_conditions(filters))


def number_symbol_hits(session: Session, query: Query) -> list[Hit]:
    """Documents whose own number-symbol is the one asked for (or starts with it)."""
    assert query.number_key is not None
    k = query.number_key
    column = search_entries.c.number_key
    # "-" sorts just before ".": the range is every key that continues "k-…" (04-NQ finds
    # 04-NQ/TU), and it uses the index (PostgreSQL's column is in the "C" collation).
    found = filtered([search_entries.c.document_id], query.filters).where(
        or_(column == k, and_(column > k + "-", column < k + "."))
    )
    ids = session.scalars(
        found.order_by(search_entries.c.doc_date.desc(), search_entries.c.document_id.desc())
        .limit(query.limit)
    ).all()
    return [Hit(i, 1.0, True, "number_symbol") for i in ids]


def filter_only_hits(session: Session, query: Query) -> list[Hit]:
    """No words given: the newest documents that pass the filters."""
    ids = session.scalars(
        filtered([search_entries.c.document_id], query.filters)
        .order_by(search_entries.c.doc_date.desc(), search_entries.c.document_id.desc())
        .limit(query.limit)
    ).all()
    return [Hit(i, 0.0, False, "filter") for i in ids]
