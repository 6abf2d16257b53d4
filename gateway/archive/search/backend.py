"""The search backend interface, and what both implementations share: filters and hits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import Session

from gateway.archive.search.entry import IndexEntry, search_entries
from gateway.archive.search.fold import key
from gateway.archive.search.query import Filters, Query
from gateway.db.models import Document, Organisation

# Ranking reads every candidate's positions, so a word found in most of 100,000 documents
# would cost hundreds of milliseconds to rank in full on either database. Both backends
# rank the newest RANKED matches that pass the filters (all of them for any rarer word or
# any combination of words narrower than that) and say so in the docs.
RANKED = 2000


@dataclass(frozen=True)
class Hit:
    document_id: int
    score: float  # higher is better; comparable within one result list only
    exact: bool  # every term matched with the diacritics as typed
    match: str  # "number_symbol" (its own number) or "text"


class SearchBackend(Protocol):
    """A full-text index kept in the database, updated in the caller's transaction.

    ``index_document`` replaces whatever was indexed for the document (so corrections just
    call it again); ``remove`` forgets it; ``search`` returns the best ``query.limit`` text
    matches that pass the filters, exact-diacritic matches first, leaving out ``exclude``.
    """

    name: str

    def index_document(self, session: Session, entry: IndexEntry) -> None: ...

    def remove(self, session: Session, document_id: int) -> None: ...

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
