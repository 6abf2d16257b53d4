"""outbox: outbound mail with fixed bytes and Message-ID

Revision ID: 0004_outbox
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import gateway.db.models

revision = "0004_outbox"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbound_mail",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("message_id", sa.String(length=998), nullable=False),
        sa.Column("dedupe_key", sa.String(length=255), nullable=True),
        sa.Column("mail_from", sa.String(length=320), nullable=False),
        sa.Column("rcpt_to", sa.JSON(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("raw_sha256", sa.String(length=64), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", gateway.db.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_answer", sa.Text(), nullable=True),
        sa.Column("claimed_by", sa.String(length=128), nullable=True),
        sa.Column("claimed_until", gateway.db.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", gateway.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", gateway.db.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"],
                                name=op.f("fk_outbound_mail_document_id_documents")),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_outbound_mail_organisation_id_organisations")),
        sa.ForeignKeyConstraint(["raw_sha256"], ["blobs.sha256"],
                                name=op.f("fk_outbound_mail_raw_sha256_blobs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_mail")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_outbound_mail_dedupe_key")),
        sa.UniqueConstraint("message_id", name=op.f("uq_outbound_mail_message_id")),
    )
    op.create_index("ix_outbound_mail_due", "outbound_mail", ["state", "next_attempt_at"])
    op.create_index(op.f("ix_outbound_mail_document_id"), "outbound_mail", ["document_id"])


def downgrade() -> None:
    op.drop_table("outbound_mail")
