"""Search as the rest of the gateway uses it: index a document, run a query.

``index_document`` is called in the transaction that registers or corrects a document, so
the index never disagrees with what was committed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from gateway.archive.lookup import documents_json_by_id
from gateway.archive.search.backend import (
    Hit,
    SearchBackend,
    filter_only_hits,
    number_symbol_hits,
)
from gateway.archive.search.entry import build_entry, load_entries
from gateway.archive.search.postgres import PostgresSearch
from gateway.archive.search.query import Query
from gateway.archive.search.snippet import snippet
from gateway.archive.search.sqlite import SqliteSearch
from gateway.db.models import Document

BACKENDS: dict[str, SearchBackend] = {"sqlite": SqliteSearch(), "postgresql": PostgresSearch()}


def backend_for(session: Session) -> SearchBackend:
    return BACKENDS[session.get_bind().dialect.name]


def index_document(session: Session, document: Document, text: str | None = None) -> None:
    """(Re-)index a document in the caller's transaction; ``text=None`` keeps the old text."""
    session.flush()  # the document's attachments and message fields are read back below
    backend_for(session).index_document(session, build_entry(session, document, text))


def remove_document(session: Session, document_id: int) -> None:
    backend_for(session).remove(session, document_id)


def find(session: Session, query: Query) -> list[Hit]:
    """The best matches: a number-symbol's own documents first, then text matches."""
    if query.empty:
        return filter_only_hits(session, query)
    hits: list[Hit] = []
    if query.number_key:
        hits = number_symbol_hits(session, query)
    if len(hits) < query.limit and query.terms:
        rest = Query(query.text, query.terms, None, query.filters, query.limit - len(hits))
        hits += backend_for(session).search(
            session, rest, frozenset(h.document_id for h in hits)
        )
    return hits


def search(session: Session, query: Query) -> list[dict[str, Any]]:
    """CONTRACT's document JSON for each hit, plus score, match and a highlighted snippet."""
    hits = find(session, query)
    ids = [h.document_id for h in hits]
    items = documents_json_by_id(session, ids)
    entries = load_entries(session, ids)
    for hit, item in zip(hits, items, strict=True):
        entry = entries.get(hit.document_id)
        texts = [entry.body, entry.head, entry.meta] if entry else []
        item["score"] = round(hit.score, 6)
        item["match"] = hit.match
        item["exact"] = hit.exact
        item["snippet"] = snippet(texts, query.folded_terms)
    return items
