"""Search on PostgreSQL: a ``tsvector`` column on ``search_entries`` with a GIN index.

PostgreSQL folds: the ``gateway_fold`` text search configuration (migration 0002_search)
runs every word through ``unaccent`` then ``simple``, so "Đường" becomes 'duong'. The vector
holds each field twice, folded and as written ('simple'), so a query typed with diacritics
can rank exact matches first. Words are split by ``fold.words`` before PostgreSQL sees them,
so its parser does not turn addresses and number-symbols into odd tokens and both backends
index the same words.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, bindparam, delete, func, literal_column, select, text
from sqlalchemy.orm import Session

from gateway.archive.search.backend import RANKED, Hit, filtered
from gateway.archive.search.entry import IndexEntry, search_entries
from gateway.archive.search.fold import words
from gateway.archive.search.query import Query

FOLD: ColumnElement[Any] = literal_column("'gateway_fold'::regconfig")
SIMPLE: ColumnElement[Any] = literal_column("'simple'::regconfig")
TSV: ColumnElement[Any] = literal_column("search_entries.tsv")

# A = number-symbol, type, summary, issuer; B = sender, subject, file names; D = full text.
UPSERT = text("""
INSERT INTO search_entries (document_id, number_key, issuer_key, type_key, doc_date,
                            head, meta, body, tsv)
VALUES (:document_id, :number_key, :issuer_key, :type_key, :doc_date, :head, :meta, :body,
        setweight(to_tsvector('gateway_fold', :head_w), 'A')
        || setweight(to_tsvector('gateway_fold', :meta_w), 'B')
        || setweight(to_tsvector('gateway_fold', :body_w), 'D')
        || setweight(to_tsvector('simple', :head_w), 'A')
        || setweight(to_tsvector('simple', :meta_w), 'B')
        || setweight(to_tsvector('simple', :body_w), 'D'))
ON CONFLICT (document_id) DO UPDATE SET
    number_key = EXCLUDED.number_key, issuer_key = EXCLUDED.issuer_key,
    type_key = EXCLUDED.type_key, doc_date = EXCLUDED.doc_date, head = EXCLUDED.head,
    meta = EXCLUDED.meta, body = EXCLUDED.body, tsv = EXCLUDED.tsv
""")


def _tsquery(
    config: ColumnElement[Any], terms: tuple[tuple[str, ...], ...], name: str
) -> ColumnElement[Any]:
    """Every term (word or phrase) must match: phraseto_tsquery per term, joined by &&."""
    query: ColumnElement[Any] | None = None
    for i, term in enumerate(terms):
        part = func.phraseto_tsquery(config, bindparam(f"{name}{i}", " ".join(term)))
        query = part if query is None else query.op("&&")(part)
    assert query is not None
    return query


def _values(entry: IndexEntry) -> dict[str, Any]:
    values: dict[str, Any] = entry.values()
    for field in ("head", "meta", "body"):
        values[f"{field}_w"] = " ".join(words(values[field]))
    return values


def add_new(session: Session, entries: list[IndexEntry]) -> None:
    """Bulk-index many documents in one round of statements (a rebuild, a benchmark's load)."""
    session.execute(UPSERT, [_values(e) for e in entries])


class PostgresSearch:
    name = "postgresql-tsvector"

    def index_document(self, session: Session, entry: IndexEntry) -> None:
        session.execute(UPSERT, _values(entry))

    def remove(self, session: Session, document_id: int) -> None:
        session.execute(
            delete(search_entries).where(search_entries.c.document_id == document_id)
        )

    def search(self, session: Session, query: Query, exclude: frozenset[int]) -> list[Hit]:
        # The words as typed go to the folding configuration: PostgreSQL folds the query
        # with the same unaccent rules as the vector.
        folded = _tsquery(FOLD, query.exact_terms, "f")
        document_id = search_entries.c.document_id
        # Rank the newest RANKED matches that pass the filters (see backend.RANKED).
        candidates = (
            filtered([document_id.label("id"), TSV.label("tsv")], query.filters)
            .where(TSV.op("@@")(folded))
            .order_by(document_id.desc())
            .limit(RANKED)
        )
        if exclude:
            candidates = candidates.where(document_id.not_in(exclude))
        c = candidates.subquery("c")
        score = func.ts_rank(c.c.tsv, folded)
        if query.accented:
            exact: ColumnElement[bool] = c.c.tsv.op("@@")(_tsquery(SIMPLE, query.exact_terms, "x"))
            order = [exact.desc()]
        else:
            exact, order = literal_column("false"), []
        found = (
            select(c.c.id, score.label("score"), exact.label("exact"))
            .order_by(*order, score.desc(), c.c.id.desc())
            .limit(query.limit)
        )
        return [Hit(row.id, float(row.score), bool(row.exact), "text")
                for row in session.execute(found)]  # fmt: skip
