"""phishing: Certificate Transparency logs followed by the monitor, with their checkpoint

Revision ID: phishing_0002
Revises: phishing_0001
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import brokerguard.db.base

revision: str = "phishing_0002"
down_revision: str | Sequence[str] | None = "phishing_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = brokerguard.db.base.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "phishing_ct_logs",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("url", sa.String(512), nullable=False),
        sa.Column("api", sa.String(16), nullable=False),
        sa.Column("public_key", sa.Text(), nullable=False),
        sa.Column("log_id", sa.String(64), nullable=False),
        sa.Column("verified_size", sa.BigInteger(), nullable=False),
        sa.Column("verified_root", sa.String(64), nullable=False),
        sa.Column("frontier", sa.Text(), nullable=False),
        sa.Column("entries_scanned", sa.BigInteger(), nullable=False),
        sa.Column("last_poll_at", UTC(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("created_at", UTC(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phishing_ct_logs")),
        sa.UniqueConstraint("name", name=op.f("uq_phishing_ct_logs_name")),
    )


def downgrade() -> None:
    op.drop_table("phishing_ct_logs")
