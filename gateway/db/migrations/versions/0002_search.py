"""search index and retention

Revision ID: 0002_search
Revises: 0001

The search index (gateway/archive/search): ``search_entries`` on both backends; on SQLite
the FTS5 table beside it, on PostgreSQL a tsvector column with a GIN index and the
``gateway_fold`` configuration (unaccent, then simple). Plus the retention period of each
document (gateway/archive/retention.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_search"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.add_column("documents", sa.Column("retention", sa.String(length=16), nullable=True))
    op.create_table(
        "search_entries",
        sa.Column("document_id", sa.Integer(), nullable=False),
        # "C" collation: number-symbol prefixes are byte ranges that the index can serve.
        sa.Column("number_key", sa.String(length=255, collation="C" if postgresql else None), nullable=True),
        sa.Column("issuer_key", sa.Text(), nullable=True),
        sa.Column("type_key", sa.String(length=32), nullable=True),
        sa.Column("doc_date", sa.Date(), nullable=True),
        sa.Column("head", sa.Text(), nullable=False),
        sa.Column("meta", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], name=op.f("fk_search_entries_document_id_documents"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("document_id", name=op.f("pk_search_entries")),
    )
    op.create_index("ix_search_entries_number_key", "search_entries", ["number_key"])
    op.create_index("ix_search_entries_doc_date", "search_entries", ["doc_date"])
    if postgresql:
        op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
        op.execute("CREATE TEXT SEARCH CONFIGURATION gateway_fold (COPY = simple)")
        op.execute(
            "ALTER TEXT SEARCH CONFIGURATION gateway_fold ALTER MAPPING FOR "
            "asciiword, asciihword, hword_asciipart, word, hword, hword_part, "
            "numword, numhword, hword_numpart WITH unaccent, simple"
        )
        op.execute("ALTER TABLE search_entries ADD COLUMN tsv tsvector NOT NULL")
        op.execute("CREATE INDEX ix_search_entries_tsv ON search_entries USING gin (tsv)")
    else:
        op.execute(
            "CREATE VIRTUAL TABLE search_fts USING fts5("
            "head, meta, body, head_x, meta_x, body_x, "
            "content='', tokenize='unicode61 remove_diacritics 0')"
        )


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.drop_table("search_entries")
        op.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS gateway_fold")
    else:
        op.execute("DROP TABLE IF EXISTS search_fts")
        op.drop_table("search_entries")
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("retention")
