"""phishing: the checkpoint origin of a static-ct-api log

Revision ID: phishing_0003
Revises: phishing_0002
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "phishing_0003"
down_revision: str | Sequence[str] | None = "phishing_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("phishing_ct_logs") as batch:
        batch.add_column(sa.Column("origin", sa.String(512), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("phishing_ct_logs") as batch:
        batch.drop_column("origin")
