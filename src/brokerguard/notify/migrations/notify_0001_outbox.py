"""notify: outbox, channels, routes, deliveries, attempts

Revision ID: notify_0001
Revises: 0001_core
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import brokerguard.db.base

revision: str = "notify_0001"
down_revision: str | Sequence[str] | None = "0001_core"
branch_labels: str | Sequence[str] | None = ("notify",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notify_channels",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("target", sa.String(length=2048), nullable=False),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column("secret_sealed", sa.Text(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", brokerguard.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notify_channels")),
        sa.UniqueConstraint("name", name=op.f("uq_notify_channels_name")),
    )
    op.create_table(
        "notify_notices",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("dedupe_key", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("title_zh", sa.String(length=255), nullable=False),
        sa.Column("title_en", sa.String(length=255), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("url", sa.String(length=1024), nullable=False),
        sa.Column("requirement_ids", sa.String(length=255), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("occurred_at", brokerguard.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("queued_at", brokerguard.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notify_notices")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_notify_notices_dedupe_key")),
    )
    with op.batch_alter_table("notify_notices", schema=None) as batch_op:
        batch_op.create_index("ix_notify_notices_occurred", ["occurred_at"], unique=False)

    op.create_table(
        "notify_deliveries",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("notice_id", sa.String(length=36), nullable=False),
        sa.Column("channel_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column(
            "next_attempt_at", brokerguard.db.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("lease_until", brokerguard.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("lease_owner", sa.String(length=64), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("delivered_at", brokerguard.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", brokerguard.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["notify_channels.id"],
            name=op.f("fk_notify_deliveries_channel_id_notify_channels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["notify_notices.id"],
            name=op.f("fk_notify_deliveries_notice_id_notify_notices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notify_deliveries")),
        sa.UniqueConstraint("notice_id", "channel_id", name="uq_notify_deliveries_notice_channel"),
    )
    with op.batch_alter_table("notify_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notify_deliveries_due", ["status", "next_attempt_at"], unique=False
        )

    op.create_table(
        "notify_routes",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("channel_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("min_severity", sa.String(length=16), nullable=False),
        sa.Column("created_at", brokerguard.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["notify_channels.id"],
            name=op.f("fk_notify_routes_channel_id_notify_channels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notify_routes")),
        sa.UniqueConstraint("channel_id", "kind", name="uq_notify_routes_channel_kind"),
    )
    op.create_table(
        "notify_attempts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("delivery_id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("started_at", brokerguard.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", brokerguard.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("worker", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["notify_deliveries.id"],
            name=op.f("fk_notify_attempts_delivery_id_notify_deliveries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notify_attempts")),
    )
    with op.batch_alter_table("notify_attempts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notify_attempts_delivery", ["delivery_id", "number"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("notify_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_notify_attempts_delivery")

    op.drop_table("notify_attempts")
    op.drop_table("notify_routes")
    with op.batch_alter_table("notify_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_notify_deliveries_due")

    op.drop_table("notify_deliveries")
    with op.batch_alter_table("notify_notices", schema=None) as batch_op:
        batch_op.drop_index("ix_notify_notices_occurred")

    op.drop_table("notify_notices")
    op.drop_table("notify_channels")
