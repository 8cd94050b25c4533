"""evidence: evidence items and their requirement links

Revision ID: evidence_0001
Revises: 0001_core
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import brokerguard.db.base

revision: str = "evidence_0001"
down_revision: str | Sequence[str] | None = "0001_core"
branch_labels: str | Sequence[str] | None = ("evidence",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "evidence_items",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=128), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("owner", sa.String(length=128), nullable=False),
        sa.Column("unit", sa.String(length=128), nullable=False),
        sa.Column("uploaded_by", sa.String(length=128), nullable=False),
        sa.Column("uploaded_at", brokerguard.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_items")),
    )
    op.create_index(op.f("ix_evidence_items_sha256"), "evidence_items", ["sha256"], unique=False)
    op.create_table(
        "evidence_links",
        sa.Column("evidence_id", sa.String(length=36), nullable=False),
        sa.Column("requirement_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["evidence_id"],
            ["evidence_items.id"],
            name=op.f("fk_evidence_links_evidence_id_evidence_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("evidence_id", "requirement_id", name=op.f("pk_evidence_links")),
    )
    op.create_index(
        "ix_evidence_links_requirement", "evidence_links", ["requirement_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_evidence_links_requirement", table_name="evidence_links")
    op.drop_table("evidence_links")
    op.drop_index(op.f("ix_evidence_items_sha256"), table_name="evidence_items")
    op.drop_table("evidence_items")
