"""Search on PostgreSQL: three ``tsvector`` columns on ``search_entries``, one GIN index.

PostgreSQL folds: the ``gateway_fold`` text search configuration (migration 0002_search)
runs every word through ``unaccent`` then ``simple``, so "Đường" becomes 'duong'. Words are
split by ``fold.words`` before PostgreSQL sees them, so its parser does not turn addresses
and number-symbols into odd tokens and both backends index the same words.

- ``tsv`` matches: the folded words with positions (A = head, B = meta, D = text), the
  filter tags (tags.py) and the document's id block ("block:97" for ids 97000-97999), as
  lexemes no word can spell; GIN-indexed.
- ``rank_tsv`` ranks: the head and meta part alone, small enough to stay in the row. As on
  SQLite, candidates with every word in these fields are scored, the others score 0.
- ``exact_tsv`` tells which matches have the diacritics as typed: the words as written,
  without positions (every typed word present as written; the phrase itself was already
  matched folded).

Ranking the newest RANKED matches needs their ids, and GIN gives none without reading the
rows. ``ORDER BY document_id DESC LIMIT`` lets the planner either walk the primary key
(reading every row until enough match: fine for "công", in 83% of documents, 250 ms for a
word in 9%) or read every match from the bitmap and sort (fine for rare words, 200 ms for
a phrase whose frequency it underestimates, as it multiplies its words' frequencies). So a
search asks GIN for the matches within the newest id blocks, a window of about RANKED ids
first, then a window sized from the density seen so far, then everything older; each row
read is a match, and ranking reads the two small vectors of those rows only.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    bindparam,
    case,
    cast,
    delete,
    false,
    func,
    literal_column,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.orm import Session

from gateway.archive.search.backend import RANKED, Candidate, Hit, best, filtered
from gateway.archive.search.entry import IndexEntry, search_entries
from gateway.archive.search.fold import words
from gateway.archive.search.query import Query
from gateway.archive.search.tags import Tag, TagQuery, entry_tags, query_tags

BLOCK = 1000  # document ids per "block:N" lexeme
# The first window holds about RANKED matches for the commonest words; the second gets a
# margin over the density measured in the first; then all older documents. Beyond
# MAX_BLOCKS a window would be mostly misses: the rest is read from the bitmap at once.
FIRST_WINDOW = RANKED * 5 // 4
MARGIN = 1.3
MAX_BLOCKS = 100

FOLD: ColumnElement[Any] = literal_column("'gateway_fold'::regconfig")
SIMPLE: ColumnElement[Any] = literal_column("'simple'::regconfig")
TSV: ColumnElement[Any] = literal_column("search_entries.tsv")
RANK_TSV: ColumnElement[Any] = literal_column("search_entries.rank_tsv")
EXACT_TSV: ColumnElement[Any] = literal_column("search_entries.exact_tsv")

_HEAD_META = ("setweight(to_tsvector('gateway_fold', :head_w), 'A') "
              "|| setweight(to_tsvector('gateway_fold', :meta_w), 'B')")  # fmt: skip
UPSERT = text(f"""
INSERT INTO search_entries (document_id, number_key, issuer_key, type_key, doc_date,
                            head, meta, body, tsv, rank_tsv, exact_tsv)
VALUES (:document_id, :number_key, :issuer_key, :type_key, :doc_date, :head, :meta, :body,
        {_HEAD_META} || setweight(to_tsvector('gateway_fold', :body_w), 'D')
            || array_to_tsvector(CAST(:tags AS text[])),
        {_HEAD_META},
        strip(to_tsvector('simple', :all_w)))
ON CONFLICT (document_id) DO UPDATE SET
    number_key = EXCLUDED.number_key, issuer_key = EXCLUDED.issuer_key,
    type_key = EXCLUDED.type_key, doc_date = EXCLUDED.doc_date, head = EXCLUDED.head,
    meta = EXCLUDED.meta, body = EXCLUDED.body, tsv = EXCLUDED.tsv,
    rank_tsv = EXCLUDED.rank_tsv, exact_tsv = EXCLUDED.exact_tsv
""")


def _tag_lexeme(tag: Tag) -> str:
    return ":".join(tag)  # "type:nq": fold.words never yields a ":", so no word collides


def _block(document_id: int) -> str:
    return f"block:{document_id // BLOCK}"


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


def _tag_tsquery(tags: TagQuery) -> ColumnElement[Any] | None:
    """One tag of every group, as a tsquery literal (tags are letters, digits and ":")."""
    if not tags.groups:
        return None
    groups = ["(" + " | ".join(f"'{_tag_lexeme(t)}'" for t in group) + ")" for group in tags.groups]
    return cast(bindparam("tags", " & ".join(groups)), TSQUERY)


def _values(entry: IndexEntry) -> dict[str, Any]:
    values: dict[str, Any] = entry.values()
    for field in ("head", "meta", "body"):
        values[f"{field}_w"] = " ".join(words(values[field]))
    values["all_w"] = " ".join(values[f"{f}_w"] for f in ("head", "meta", "body"))
    values["tags"] = [_tag_lexeme(t) for t in entry_tags(entry.type_key, entry.doc_date)]
    values["tags"].append(_block(entry.document_id))
    return values


class PostgresSearch:
    name = "postgresql-tsvector"

    def index_document(self, session: Session, entry: IndexEntry) -> None:
        session.execute(UPSERT, _values(entry))

    def remove(self, session: Session, document_id: int) -> None:
        session.execute(
            delete(search_entries).where(search_entries.c.document_id == document_id)
        )

    def reset(self, session: Session) -> None:
        """Nothing to empty: the vectors are columns of ``search_entries``."""

    def index_many(self, session: Session, entries: list[IndexEntry]) -> None:
        session.execute(UPSERT, [_values(e) for e in entries])

    def search(self, session: Session, query: Query, exclude: frozenset[int]) -> list[Hit]:
        # The best plan for the last probe depends on how rare the words are; a generic
        # plan of a prepared statement (psycopg prepares a query after five runs) cannot
        # know, and read the whole bitmap for every word: 500 ms for the common ones.
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
        top = session.scalar(select(func.max(search_entries.c.document_id)))
        if top is None:
            return []
        return best(_newest(session, _matches(query, exclude), top), query.limit)


def _newest(session: Session, matches: Select[Any], top: int) -> list[Candidate]:
    """The newest RANKED matches: the first window, maybe a second, maybe all the rest."""
    first = max(0, (top + 1 - FIRST_WINDOW) // BLOCK)
    found = _candidates(session, _in_blocks(matches, first, top // BLOCK))
    if len(found) < RANKED and first > 0:
        more = -(-_next_window(len(found), top + 1 - first * BLOCK) // BLOCK)  # ceiling
        if first - more > 0 and more <= MAX_BLOCKS:
            found += _candidates(session, _in_blocks(matches, first - more, first - 1))
            first -= more
    if len(found) < RANKED and first > 0:
        document_id = search_entries.c.document_id
        rest = matches.where(document_id < first * BLOCK).order_by(document_id.desc())
        found += _candidates(session, rest.limit(RANKED - len(found)))
    found.sort(key=lambda c: c.document_id, reverse=True)
    return found[:RANKED]


def _next_window(found: int, covered: int) -> int:
    """How many more ids to look at for about RANKED matches, at the density seen so far."""
    density = max(found, 1) / covered
    return int((RANKED - found) / density * MARGIN)


def _in_blocks(matches: Select[Any], low: int, high: int) -> Select[Any]:
    """The matches whose id is in blocks low..high, found inside the GIN index."""
    blocks = " | ".join(f"'{_block(n * BLOCK)}'" for n in range(low, high + 1))
    return matches.where(TSV.op("@@")(cast(bindparam("blocks", blocks), TSQUERY)))


def _matches(query: Query, exclude: frozenset[int]) -> Select[Any]:
    """Every match that passes the filters: its id, head score and exactness."""
    # The words as typed go to the folding configuration: PostgreSQL folds the query
    # with the same unaccent rules as the vector.
    folded = _tsquery(FOLD, query.exact_terms, "f")
    tags = _tag_tsquery(query_tags(query.filters))
    exact: ColumnElement[bool] = false()
    if query.accented:
        typed = " ".join(w for term in query.exact_terms for w in term)
        exact = EXACT_TSV.op("@@")(func.plainto_tsquery(SIMPLE, bindparam("x", typed)))
    score = case((RANK_TSV.op("@@")(folded), func.ts_rank(RANK_TSV, folded)), else_=0.0)
    document_id = search_entries.c.document_id
    found = filtered([document_id, score, exact], query.filters).where(
        TSV.op("@@")(folded if tags is None else folded.op("&&")(tags))
    )
    return found.where(document_id.not_in(exclude)) if exclude else found


def _candidates(session: Session, statement: Select[Any]) -> list[Candidate]:
    rows = session.execute(statement).all()  # one fetchall: thousands of rows, no per-row call
    return [Candidate(*row) for row in rows]  # int, float (real), bool
