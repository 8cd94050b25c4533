"""iot: IoT assets, assessments, vendors, exceptions and nmap scans

Revision ID: iot_0001
Revises: 0001_core
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import brokerguard.db.base

revision: str = "iot_0001"
down_revision: str | Sequence[str] | None = "0001_core"
branch_labels: str | Sequence[str] | None = ("iot",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "iot_assets",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("asset_tag", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("device_type", sa.String(length=16), nullable=False),
        sa.Column("use", sa.String(length=255), nullable=False),
        sa.Column("location", sa.String(length=255), nullable=False),
        sa.Column("network_segment", sa.String(length=64), nullable=False),
        sa.Column("ip_address", sa.String(length=45), nullable=True),
        sa.Column("mac", sa.String(length=17), nullable=True),
        sa.Column("administrator", sa.String(length=128), nullable=False),
        sa.Column("vendor", sa.String(length=128), nullable=False),
        sa.Column("model", sa.String(length=128), nullable=False),
        sa.Column("firmware_version", sa.String(length=64), nullable=False),
        sa.Column("security_label", sa.Boolean(), nullable=False),
        sa.Column("label_ref", sa.String(length=128), nullable=False),
        sa.Column("no_label_reason", sa.Text(), nullable=False),
        sa.Column("management_interface", sa.Boolean(), nullable=False),
        sa.Column("purchased_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", brokerguard.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", brokerguard.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_iot_assets")),
        sa.UniqueConstraint("asset_tag", name=op.f("uq_iot_assets_asset_tag")),
    )
    op.create_index("ix_iot_assets_ip", "iot_assets", ["ip_address"], unique=False)
    op.create_index("ix_iot_assets_mac", "iot_assets", ["mac"], unique=False)
    op.create_table(
        "iot_scans",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("scanned_at", brokerguard.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("imported_at", brokerguard.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.String(length=128), nullable=False),
        sa.Column("hosts_up", sa.Integer(), nullable=False),
        sa.Column("unregistered", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_iot_scans")),
    )
    op.create_table(
        "iot_vendors",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("contact", sa.String(length=255), nullable=False),
        sa.Column("contract_ref", sa.String(length=128), nullable=False),
        sa.Column("security_clauses", sa.Boolean(), nullable=False),
        sa.Column("support_end", sa.Date(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_at", brokerguard.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", brokerguard.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_iot_vendors")),
        sa.UniqueConstraint("name", name=op.f("uq_iot_vendors_name")),
    )
    op.create_table(
        "iot_assessments",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("asset_id", sa.String(length=36), nullable=False),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("assessor", sa.String(length=128), nullable=False),
        sa.Column("default_credentials_changed", sa.Boolean(), nullable=True),
        sa.Column("firmware_current", sa.Boolean(), nullable=True),
        sa.Column("permissions_restricted", sa.Boolean(), nullable=True),
        sa.Column("network_isolated", sa.Boolean(), nullable=False),
        sa.Column("remote_access_controlled", sa.Boolean(), nullable=False),
        sa.Column("next_due", sa.Date(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_at", brokerguard.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["asset_id"],
            ["iot_assets.id"],
            name=op.f("fk_iot_assessments_asset_id_iot_assets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_iot_assessments")),
    )
    op.create_index(
        "ix_iot_assessments_asset", "iot_assessments", ["asset_id", "assessed_on"], unique=False
    )
    op.create_table(
        "iot_exceptions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("asset_id", sa.String(length=36), nullable=False),
        sa.Column("control", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("compensating_controls", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("approver", sa.String(length=128), nullable=True),
        sa.Column("decided_at", brokerguard.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("created_at", brokerguard.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["asset_id"],
            ["iot_assets.id"],
            name=op.f("fk_iot_exceptions_asset_id_iot_assets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_iot_exceptions")),
    )
    op.create_index("ix_iot_exceptions_asset", "iot_exceptions", ["asset_id"], unique=False)
    op.create_table(
        "iot_scan_hosts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("scan_id", sa.String(length=36), nullable=False),
        sa.Column("ip_address", sa.String(length=45), nullable=False),
        sa.Column("mac", sa.String(length=17), nullable=True),
        sa.Column("hostname", sa.String(length=255), nullable=False),
        sa.Column("mac_vendor", sa.String(length=128), nullable=False),
        sa.Column("open_ports", sa.String(length=1024), nullable=False),
        sa.Column("asset_id", sa.String(length=36), nullable=True),
        sa.Column("dismissed_reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["scan_id"],
            ["iot_scans.id"],
            name=op.f("fk_iot_scan_hosts_scan_id_iot_scans"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_iot_scan_hosts")),
    )
    op.create_index("ix_iot_scan_hosts_scan", "iot_scan_hosts", ["scan_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_iot_scan_hosts_scan", table_name="iot_scan_hosts")
    op.drop_table("iot_scan_hosts")
    op.drop_index("ix_iot_exceptions_asset", table_name="iot_exceptions")
    op.drop_table("iot_exceptions")
    op.drop_index("ix_iot_assessments_asset", table_name="iot_assessments")
    op.drop_table("iot_assessments")
    op.drop_table("iot_vendors")
    op.drop_table("iot_scans")
    op.drop_index("ix_iot_assets_mac", table_name="iot_assets")
    op.drop_index("ix_iot_assets_ip", table_name="iot_assets")
    op.drop_table("iot_assets")
