"""findings: findings tracked to closure

Revision ID: findings_0001
Revises: 0001_core
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import brokerguard.db.base

revision: str = "findings_0001"
down_revision: str | Sequence[str] | None = "0001_core"
branch_labels: str | Sequence[str] | None = ("findings",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "findings",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("requirement_id", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("source_ref", sa.String(length=255), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("owner", sa.String(length=128), nullable=False),
        sa.Column("plan", sa.Text(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", brokerguard.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", brokerguard.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=128), nullable=True),
        sa.Column("closing_evidence", sa.String(length=255), nullable=True),
        sa.Column("closing_note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_findings")),
    )
    op.create_index(
        "ix_findings_requirement_status", "findings", ["requirement_id", "status"], unique=False
    )
    op.create_index("ix_findings_source", "findings", ["source", "source_ref"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_findings_source", table_name="findings")
    op.drop_index("ix_findings_requirement_status", table_name="findings")
    op.drop_table("findings")
