"""policies: policy register and coverage

Revision ID: policies_0001
Revises: 0001_core
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import brokerguard.db.base

revision: str = "policies_0001"
down_revision: str | Sequence[str] | None = "0001_core"
branch_labels: str | Sequence[str] | None = ("policies",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "policies_documents",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("owner_unit", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("approver", sa.String(length=128), nullable=True),
        sa.Column("approved_on", sa.Date(), nullable=True),
        sa.Column("next_review", sa.Date(), nullable=True),
        sa.Column("document_evidence_id", sa.String(length=36), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", brokerguard.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policies_documents")),
    )
    op.create_table(
        "policies_coverage",
        sa.Column("policy_id", sa.String(length=36), nullable=False),
        sa.Column("requirement_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["policies_documents.id"],
            name=op.f("fk_policies_coverage_policy_id_policies_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("policy_id", "requirement_id", name=op.f("pk_policies_coverage")),
    )
    op.create_index(
        "ix_policies_coverage_requirement", "policies_coverage", ["requirement_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_policies_coverage_requirement", table_name="policies_coverage")
    op.drop_table("policies_coverage")
    op.drop_table("policies_documents")
