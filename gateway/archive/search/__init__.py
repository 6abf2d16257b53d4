"""Archive search: one interface over SQLite FTS5 and PostgreSQL full-text search.

    fold.py      the one definition of diacritic/đ/case folding and of words
    query.py     what the user typed, parsed (words, phrases, number-symbol, filters)
    entry.py     what is indexed for a document (``search_entries``)
    tags.py      the filters (type, month) indexed as extra words
    backend.py   the ``SearchBackend`` protocol and the filters both backends share
    sqlite.py    FTS5 implementation
    postgres.py  tsvector + unaccent implementation
    snippet.py   highlighted passages
    service.py   index_document / search, used by registration, corrections and the CLI
    rebuild.py   bulk rebuilds: ``gateway reindex`` and migrations
"""

from gateway.archive.search.backend import Hit, SearchBackend
from gateway.archive.search.query import Filters, Query, parse
from gateway.archive.search.service import backend_for, index_document, remove_document, search

__all__ = [
    "Filters",
    "Hit",
    "Query",
    "SearchBackend",
    "backend_for",
    "index_document",
    "parse",
    "remove_document",
    "search",
]
