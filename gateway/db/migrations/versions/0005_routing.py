"""routing: assignments of registered documents

Revision ID: 0005_routing
Revises: 0004_outbox
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import gateway.db.models

revision = "0005_routing"
down_revision = "0004_outbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assignments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("assignee", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("rule", sa.String(length=64), nullable=True),
        sa.Column("created_at", gateway.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", gateway.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"],
                                name=op.f("fk_assignments_document_id_documents")),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_assignments_organisation_id_organisations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignments")),
        sa.UniqueConstraint("document_id", "assignee", name=op.f("uq_assignments_document_id_assignee")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_assignments_open", "assignments", ["status", "deadline"])
    op.create_index(op.f("ix_assignments_document_id"), "assignments", ["document_id"])


def downgrade() -> None:
    op.drop_table("assignments")
