"""worker: job_runs (one row per job and schedule slot)

Revision ID: worker_0001
Revises: 0001_core
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import brokerguard.db.base

revision: str = "worker_0001"
down_revision: str | Sequence[str] | None = "0001_core"
branch_labels: str | Sequence[str] | None = ("worker",)
depends_on: str | Sequence[str] | None = None

UTC = brokerguard.db.base.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "job_runs",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("job", sa.String(64), nullable=False),
        sa.Column("slot", sa.String(96), nullable=False),
        sa.Column("trigger", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("queued_at", UTC(timezone=True), nullable=False),
        sa.Column("started_at", UTC(timezone=True), nullable=True),
        sa.Column("finished_at", UTC(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_until", UTC(timezone=True), nullable=True),
        sa.Column("worker", sa.String(64), nullable=False),
        sa.Column("requested_by", sa.String(128), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("figures", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_runs")),
        sa.UniqueConstraint("job", "slot", name="uq_job_runs_job_slot"),
    )
    op.create_index("ix_job_runs_job_queued", "job_runs", ["job", "queued_at"])
    op.create_index("ix_job_runs_status_lease", "job_runs", ["status", "lease_until"])


def downgrade() -> None:
    op.drop_index("ix_job_runs_status_lease", table_name="job_runs")
    op.drop_index("ix_job_runs_job_queued", table_name="job_runs")
    op.drop_table("job_runs")
