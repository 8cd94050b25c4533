"""deepfake: automatic analysis of recordings (schedule, analyses, override)

Revision ID: deepfake_0002
Revises: deepfake_0001
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import brokerguard.db.base

revision: str = "deepfake_0002"
down_revision: str | Sequence[str] | None = "deepfake_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("deepfake_sessions") as batch:
        batch.add_column(sa.Column("schedule", sa.Text(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("analysis_verdict", sa.String(length=8), nullable=True))
        batch.add_column(sa.Column("analysis_id", sa.String(length=36), nullable=True))
        batch.add_column(sa.Column("analysis_override_by", sa.String(length=128), nullable=True))
        batch.add_column(
            sa.Column(
                "analysis_override_at",
                brokerguard.db.base.UTCDateTime(timezone=True),
                nullable=True,
            )
        )
        batch.add_column(
            sa.Column("analysis_override_note", sa.Text(), nullable=False, server_default="")
        )
    op.create_table(
        "deepfake_analyses",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("analysed_at", brokerguard.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("analysed_by", sa.String(length=128), nullable=False),
        sa.Column("recording_sha256", sa.String(length=64), nullable=False),
        sa.Column("recording_bytes", sa.Integer(), nullable=False),
        sa.Column("liveness", sa.String(length=8), nullable=False),
        sa.Column("replay_suspected", sa.Boolean(), nullable=False),
        sa.Column("face_match_distance", sa.Float(), nullable=True),
        sa.Column("same_person", sa.Boolean(), nullable=False),
        sa.Column("automatic_pass", sa.Boolean(), nullable=False),
        sa.Column("model_versions", sa.Text(), nullable=False),
        sa.Column("report", sa.Text(), nullable=False),
        sa.Column("evidence_ref", sa.String(length=128), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["deepfake_sessions.id"],
            name=op.f("fk_deepfake_analyses_session_id_deepfake_sessions"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deepfake_analyses")),
    )
    op.create_index(
        op.f("ix_deepfake_analyses_session_id"), "deepfake_analyses", ["session_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_deepfake_analyses_session_id"), table_name="deepfake_analyses")
    op.drop_table("deepfake_analyses")
    with op.batch_alter_table("deepfake_sessions") as batch:
        for column in (
            "analysis_override_note",
            "analysis_override_at",
            "analysis_override_by",
            "analysis_id",
            "analysis_verdict",
            "schedule",
        ):
            batch.drop_column(column)
