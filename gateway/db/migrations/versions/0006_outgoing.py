"""outgoing: files of outgoing documents (signed as sent)

Revision ID: 0006_outgoing
Revises: 0004_outbox
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_outgoing"
down_revision = "0004_outbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "document_files",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("index", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=1024), nullable=False),
        sa.Column("mime", sa.String(length=255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("source_sha256", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("signed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"],
                                name=op.f("fk_document_files_document_id_documents")),
        sa.ForeignKeyConstraint(["sha256"], ["blobs.sha256"],
                                name=op.f("fk_document_files_sha256_blobs")),
        sa.ForeignKeyConstraint(["source_sha256"], ["blobs.sha256"],
                                name=op.f("fk_document_files_source_sha256_blobs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_files")),
        sa.UniqueConstraint("document_id", "index", name=op.f("uq_document_files_document_id_index")),
    )
    op.create_index(op.f("ix_document_files_document_id"), "document_files", ["document_id"])


def downgrade() -> None:
    op.drop_table("document_files")
