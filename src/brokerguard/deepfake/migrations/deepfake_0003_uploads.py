"""deepfake: recordings uploaded for automatic analysis (the worker's queue)

Revision ID: deepfake_0003
Revises: deepfake_0002
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import brokerguard.db.base

revision: str = "deepfake_0003"
down_revision: str | Sequence[str] | None = "deepfake_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    when = brokerguard.db.base.UTCDateTime(timezone=True)
    op.create_table(
        "deepfake_recording_uploads",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("uploaded_at", when, nullable=False),
        sa.Column("uploaded_by", sa.String(length=128), nullable=False),
        sa.Column("recording_sha256", sa.String(length=64), nullable=False),
        sa.Column("recording_bytes", sa.Integer(), nullable=False),
        sa.Column("recording_format", sa.String(length=16), nullable=False),
        sa.Column("recording_duration_s", sa.Float(), nullable=True),
        sa.Column("id_photo_sha256", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("started_at", when, nullable=True),
        sa.Column("lease_until", when, nullable=True),
        sa.Column("finished_at", when, nullable=True),
        sa.Column("error_code", sa.String(length=32), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=False),
        sa.Column("analysis_id", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["deepfake_sessions.id"],
            name=op.f("fk_deepfake_recording_uploads_session_id_deepfake_sessions"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deepfake_recording_uploads")),
    )
    for column in ("session_id", "state"):
        op.create_index(
            op.f(f"ix_deepfake_recording_uploads_{column}"),
            "deepfake_recording_uploads",
            [column],
            unique=False,
        )


def downgrade() -> None:
    for column in ("state", "session_id"):
        op.drop_index(
            op.f(f"ix_deepfake_recording_uploads_{column}"),
            table_name="deepfake_recording_uploads",
        )
    op.drop_table("deepfake_recording_uploads")
