"""core: server-side staff sessions; when a staff account was locked

Revision ID: 0002_core
Revises: 0001_core
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import brokerguard.db.base

revision: str = "0002_core"
down_revision: str | Sequence[str] | None = "0001_core"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staff_sessions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", brokerguard.db.base.UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", brokerguard.db.base.UTCDateTime(), nullable=False),
        sa.Column("expires_at", brokerguard.db.base.UTCDateTime(), nullable=False),
        sa.Column("revoked_at", brokerguard.db.base.UTCDateTime(), nullable=True),
        sa.Column("revoke_reason", sa.String(length=32), nullable=False),
        sa.Column("source_ip", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["staff_users.id"], name=op.f("fk_staff_sessions_user_id_staff_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_sessions")),
    )
    op.create_index(op.f("ix_staff_sessions_user_id"), "staff_sessions", ["user_id"])
    with op.batch_alter_table("staff_users") as batch:
        batch.add_column(sa.Column("locked_at", brokerguard.db.base.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff_users") as batch:
        batch.drop_column("locked_at")
    op.drop_index(op.f("ix_staff_sessions_user_id"), table_name="staff_sessions")
    op.drop_table("staff_sessions")
