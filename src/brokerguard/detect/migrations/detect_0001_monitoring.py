"""detect: login-monitoring alerts, runs, reports, seen values

Revision ID: detect_0001
Revises: 0001_core
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import brokerguard.db.base

revision: str = "detect_0001"
down_revision: str | Sequence[str] | None = "0001_core"
branch_labels: str | Sequence[str] | None = ("detect",)
depends_on: str | Sequence[str] | None = None

UTC = brokerguard.db.base.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "detect_alerts",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("rule_id", sa.String(128), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("group_key", sa.String(512), nullable=False),
        sa.Column("title", sa.String(512), nullable=False),
        sa.Column("first_seen", UTC(), nullable=False),
        sa.Column("last_seen", UTC(), nullable=False),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column("first_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("triaged_at", UTC(), nullable=True),
        sa.Column("triaged_by", sa.String(256), nullable=True),
        sa.Column("closed_at", UTC(), nullable=True),
        sa.Column("closed_by", sa.String(256), nullable=True),
        sa.Column("close_reason", sa.String(32), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_detect_alerts")),
    )
    op.create_index("ix_detect_alerts_status", "detect_alerts", ["status"])
    op.create_table(
        "detect_runs",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("started_at", UTC(), nullable=False),
        sa.Column("finished_at", UTC(), nullable=False),
        sa.Column("from_seq", sa.BigInteger(), nullable=False),
        sa.Column("to_seq", sa.BigInteger(), nullable=False),
        sa.Column("events_seen", sa.BigInteger(), nullable=False),
        sa.Column("alerts_raised", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_detect_runs")),
    )
    op.create_table(
        "detect_reports",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("period", sa.String(10), nullable=False),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("evidence_ref", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_detect_reports")),
    )
    op.create_table(
        "detect_seen_values",
        sa.Column("account", sa.String(256), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("value", sa.String(256), nullable=False),
        sa.Column("first_seen", UTC(), nullable=False),
        sa.PrimaryKeyConstraint("account", "kind", "value", name=op.f("pk_detect_seen_values")),
    )


def downgrade() -> None:
    for table in ("detect_seen_values", "detect_reports", "detect_runs", "detect_alerts"):
        op.drop_table(table)
