"""assessment: manual assessments of requirements no automated check decides

Revision ID: assessment_0002
Revises: assessment_0001
Create Date: 2026-12-03 09:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import brokerguard.db.base

revision: str = "assessment_0002"
down_revision: str | Sequence[str] | None = "assessment_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "assessment_manual_results",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("requirement_id", sa.String(length=32), nullable=False),
        sa.Column("result", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("evidence_id", sa.String(length=36), nullable=False),
        sa.Column("assessor", sa.String(length=64), nullable=False),
        sa.Column("reviewer", sa.String(length=64), nullable=False),
        sa.Column("assessed_at", brokerguard.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_manual_results")),
    )
    op.create_index(
        "ix_assessment_manual_results_req",
        "assessment_manual_results",
        ["requirement_id", "assessed_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_assessment_manual_results_req", table_name="assessment_manual_results")
    op.drop_table("assessment_manual_results")
