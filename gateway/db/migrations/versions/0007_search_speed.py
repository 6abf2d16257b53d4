"""search speed: filter tags, small ranking vectors, a composite filter index

Revision ID: 0007_search_speed
Revises: 0002_search

Why (bench/README.md, "Archive search latency"): ranking read every candidate's full text
and filters were checked one matching row at a time. Now:

- SQLite: ``search_fts`` gains a ``tags`` column (document type and month, see
  gateway/archive/search/tags.py) and ``search_rank`` (folded head and meta, and the tags) ranks.
- PostgreSQL: ``tsv`` holds the folded words once (no longer also as written) plus the tags,
  ``rank_tsv`` the head and meta for ranking, ``exact_tsv`` the words as written without
  positions; ``tsv`` also holds the id block ("block:97"), so windows of the newest ids are
  cut inside the GIN index, rebuilt with ``fastupdate = off`` (no pending list to scan on
  every query). ``body`` is stored out of line so the vectors that every query reads stay
  in the row.
- Both: an index on (type_key, doc_date) for filter-only listings.

The new structures are filled from ``search_entries`` by the search code itself
(``rebuild.refresh``), so they hold exactly what indexing a document would write.
"""

from __future__ import annotations

import logging

from alembic import op
from sqlalchemy.orm import Session

revision = "0007_search_speed"
down_revision = "0002_search"
branch_labels = None
depends_on = None

log = logging.getLogger(__name__)

FTS_COLUMNS = "head, meta, body, head_x, meta_x, body_x"
TOKENIZE = "tokenize='unicode61 remove_diacritics 0'"


def _refresh() -> None:
    from gateway.archive.search.rebuild import refresh

    # The session joins the migration's transaction; closing it leaves that transaction be.
    with Session(bind=op.get_bind()) as session:
        count = refresh(session)
    log.info("search index: %d documents re-indexed", count)


def upgrade() -> None:
    op.create_index("ix_search_entries_type_date", "search_entries", ["type_key", "doc_date"])
    if op.get_bind().dialect.name == "postgresql":
        _upgrade_postgresql()
    else:
        _upgrade_sqlite()


def _upgrade_sqlite() -> None:
    op.execute("DROP TABLE search_fts")
    op.execute(f"CREATE VIRTUAL TABLE search_fts USING fts5({FTS_COLUMNS}, tags, "
               f"content='', {TOKENIZE})")  # fmt: skip
    op.execute(f"CREATE VIRTUAL TABLE search_rank USING fts5(head, meta, tags, "
               f"content='', {TOKENIZE})")  # fmt: skip
    _refresh()


def _upgrade_postgresql() -> None:
    op.execute("DROP INDEX ix_search_entries_tsv")
    op.execute("ALTER TABLE search_entries ADD COLUMN rank_tsv tsvector, "
               "ADD COLUMN exact_tsv tsvector")  # fmt: skip
    op.execute("ALTER TABLE search_entries ALTER COLUMN body SET STORAGE EXTERNAL, "
               "ALTER COLUMN tsv SET STORAGE MAIN, ALTER COLUMN rank_tsv SET STORAGE MAIN, "
               "ALTER COLUMN exact_tsv SET STORAGE MAIN")  # fmt: skip
    _refresh()
    op.execute("ALTER TABLE search_entries ALTER COLUMN rank_tsv SET NOT NULL, "
               "ALTER COLUMN exact_tsv SET NOT NULL")  # fmt: skip
    # Built after the rows are written: one bulk build instead of 100,000 insertions.
    op.execute("CREATE INDEX ix_search_entries_tsv ON search_entries USING gin (tsv) "
               "WITH (fastupdate = off)")  # fmt: skip
    op.execute("ANALYZE search_entries")  # every row was rewritten: fresh statistics


def downgrade() -> None:
    # The old structures are derived data: 0002's shapes, refilled by re-indexing.
    op.drop_index("ix_search_entries_type_date", "search_entries")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE search_entries DROP COLUMN rank_tsv, DROP COLUMN exact_tsv")
        op.execute("DROP INDEX ix_search_entries_tsv")
        op.execute("CREATE INDEX ix_search_entries_tsv ON search_entries USING gin (tsv)")
    else:
        op.execute("DROP TABLE search_rank")
        op.execute("DROP TABLE search_fts")
        op.execute(f"CREATE VIRTUAL TABLE search_fts USING fts5({FTS_COLUMNS}, "
                   f"content='', {TOKENIZE})")  # fmt: skip
