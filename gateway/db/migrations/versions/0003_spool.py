"""raw spool: small raw messages committed with their intake rows

Revision ID: 0003_spool
Revises: 0001

Intake commits the raw bytes of small messages into ``raw_spool`` in the same transaction as
their rows (one flush per batch instead of three); gateway.archive.spool moves them into the
blob store and deletes the rows.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import gateway.db.models

revision = "0003_spool"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "raw_spool",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", gateway.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["sha256"], ["blobs.sha256"], name=op.f("fk_raw_spool_sha256_blobs")
        ),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_raw_spool")),
    )


def downgrade() -> None:
    # Spooled bytes may exist nowhere else: refuse until they are moved out (gateway init).
    left = op.get_bind().execute(sa.text("SELECT count(*) FROM raw_spool")).scalar()
    if left:
        raise RuntimeError(f"raw_spool holds {left} messages: run `gateway init` first")
    op.drop_table("raw_spool")
