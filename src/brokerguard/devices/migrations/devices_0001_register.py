"""devices: mobile device register and MDM state

Revision ID: devices_0001
Revises: 0001_core
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import brokerguard.db.base

revision: str = "devices_0001"
down_revision: str | Sequence[str] | None = "0001_core"
branch_labels: str | Sequence[str] | None = ("devices",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "devices_devices",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("device_id", sa.String(length=128), nullable=False),
        sa.Column("serial", sa.String(length=128), nullable=False),
        sa.Column("ownership", sa.String(length=16), nullable=False),
        sa.Column("holder", sa.String(length=128), nullable=False),
        sa.Column("unit", sa.String(length=128), nullable=False),
        sa.Column("device_type", sa.String(length=16), nullable=False),
        sa.Column("os", sa.String(length=16), nullable=False),
        sa.Column("os_version", sa.String(length=32), nullable=False),
        sa.Column("policy_ack_on", sa.Date(), nullable=True),
        sa.Column("sensitive_access", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", brokerguard.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", brokerguard.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_devices_devices")),
        sa.UniqueConstraint("device_id", name=op.f("uq_devices_devices_device_id")),
    )
    op.create_table(
        "devices_mdm_imports",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("imported_at", brokerguard.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.String(length=128), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("noncompliant", sa.Integer(), nullable=False),
        sa.Column("unregistered", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_devices_mdm_imports")),
    )
    op.create_table(
        "devices_mdm_states",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("device_id", sa.String(length=128), nullable=False),
        sa.Column("serial", sa.String(length=128), nullable=False),
        sa.Column("os", sa.String(length=16), nullable=False),
        sa.Column("os_version", sa.String(length=32), nullable=False),
        sa.Column("encrypted", sa.Boolean(), nullable=False),
        sa.Column("passcode", sa.Boolean(), nullable=False),
        sa.Column("compromised", sa.Boolean(), nullable=False),
        sa.Column("last_checkin", brokerguard.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sensitive_access", sa.Boolean(), nullable=False),
        sa.Column("import_id", sa.String(length=36), nullable=False),
        sa.Column("imported_at", brokerguard.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_devices_mdm_states")),
        sa.UniqueConstraint("device_id", name=op.f("uq_devices_mdm_states_device_id")),
    )


def downgrade() -> None:
    op.drop_table("devices_mdm_states")
    op.drop_table("devices_mdm_imports")
    op.drop_table("devices_devices")
