"""assessment: assessment runs and results

Revision ID: assessment_0001
Revises: 0001_core
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import brokerguard.db.base

revision: str = "assessment_0001"
down_revision: str | Sequence[str] | None = "0001_core"
branch_labels: str | Sequence[str] | None = ("assessment",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "assessment_runs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("started_at", brokerguard.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", brokerguard.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("scope", sa.String(length=32), nullable=False),
        sa.Column("triggered_by", sa.String(length=128), nullable=False),
        sa.Column("passed", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("manual", sa.Integer(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("not_applicable", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_runs")),
    )
    op.create_index(
        op.f("ix_assessment_runs_started_at"), "assessment_runs", ["started_at"], unique=False
    )
    op.create_table(
        "assessment_check_results",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("check_id", sa.String(length=128), nullable=False),
        sa.Column("requirement_ids", sa.String(length=512), nullable=False),
        sa.Column("title_zh", sa.String(length=255), nullable=False),
        sa.Column("title_en", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason_zh", sa.Text(), nullable=False),
        sa.Column("reason_en", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("started_at", brokerguard.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["assessment_runs.id"],
            name=op.f("fk_assessment_check_results_run_id_assessment_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_check_results")),
    )
    op.create_index(
        "ix_assessment_check_results_run", "assessment_check_results", ["run_id"], unique=False
    )
    op.create_table(
        "assessment_requirement_results",
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("requirement_id", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("check_ids", sa.Text(), nullable=False),
        sa.Column("reason_zh", sa.Text(), nullable=False),
        sa.Column("reason_en", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["assessment_runs.id"],
            name=op.f("fk_assessment_requirement_results_run_id_assessment_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "run_id", "requirement_id", name=op.f("pk_assessment_requirement_results")
        ),
    )
    op.create_index(
        "ix_assessment_requirement_results_req",
        "assessment_requirement_results",
        ["requirement_id", "status"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        "ix_assessment_requirement_results_req", table_name="assessment_requirement_results"
    )
    op.drop_table("assessment_requirement_results")
    op.drop_index("ix_assessment_check_results_run", table_name="assessment_check_results")
    op.drop_table("assessment_check_results")
    op.drop_index(op.f("ix_assessment_runs_started_at"), table_name="assessment_runs")
    op.drop_table("assessment_runs")
