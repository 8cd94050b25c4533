"""phishing: brands, scan runs, cases and their events, reminder send log, notice texts

Revision ID: phishing_0001
Revises: 0001_core
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import brokerguard.db.base

revision: str = "phishing_0001"
down_revision: str | Sequence[str] | None = "0001_core"
branch_labels: str | Sequence[str] | None = ("phishing",)
depends_on: str | Sequence[str] | None = None

UTC = brokerguard.db.base.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "phishing_brands",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("name_zh", sa.String(64), nullable=False),
        sa.Column("name_en", sa.String(128), nullable=False),
        sa.Column("spec", sa.Text(), nullable=False),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("updated_at", UTC(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phishing_brands")),
        sa.UniqueConstraint("key", name=op.f("uq_phishing_brands_key")),
    )
    op.create_table(
        "phishing_scan_runs",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("description", sa.String(256), nullable=False),
        sa.Column("started_at", UTC(), nullable=False),
        sa.Column("finished_at", UTC(), nullable=False),
        sa.Column("names", sa.Integer(), nullable=False),
        sa.Column("flagged", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phishing_scan_runs")),
    )
    op.create_table(
        "phishing_cases",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("target", sa.String(512), nullable=False),
        sa.Column("brand_key", sa.String(64), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("detection_kind", sa.String(64), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("registrar", sa.String(256), nullable=False),
        sa.Column("hosting", sa.String(256), nullable=False),
        sa.Column("opened_at", UTC(), nullable=False),
        sa.Column("updated_at", UTC(), nullable=False),
        sa.Column("takedown_requested_at", UTC(), nullable=True),
        sa.Column("closed_at", UTC(), nullable=True),
        sa.Column("resolution", sa.String(256), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phishing_cases")),
        sa.UniqueConstraint("number", name=op.f("uq_phishing_cases_number")),
    )
    op.create_table(
        "phishing_case_events",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("at", UTC(), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["phishing_cases.id"],
            name=op.f("fk_phishing_case_events_case_id_phishing_cases"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phishing_case_events")),
    )
    op.create_index(op.f("ix_phishing_case_events_case_id"), "phishing_case_events", ["case_id"])
    op.create_table(
        "phishing_reminder_sends",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("template", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("trigger", sa.String(16), nullable=False),
        sa.Column("case_id", sa.String(36), nullable=True),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(256), nullable=False),
        sa.Column("body_sha256", sa.String(64), nullable=False),
        sa.Column("sent_at", UTC(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phishing_reminder_sends")),
    )

    op.create_table(
        "phishing_notice_templates",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("subject", sa.String(256), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("updated_at", UTC(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phishing_notice_templates")),
        sa.UniqueConstraint("key", "language", name="uq_phishing_notice_templates_key"),
    )


def downgrade() -> None:
    op.drop_table("phishing_notice_templates")
    op.drop_table("phishing_reminder_sends")
    op.drop_index(op.f("ix_phishing_case_events_case_id"), table_name="phishing_case_events")
    op.drop_table("phishing_case_events")
    op.drop_table("phishing_cases")
    op.drop_table("phishing_scan_runs")
    op.drop_table("phishing_brands")
