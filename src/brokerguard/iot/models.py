"""IoT register (Art. 7): assets, assessments, vendors, exceptions, nmap scans."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from brokerguard.db.base import Base, UTCDateTime, new_uuid


class IotAsset(Base):
    __tablename__ = "iot_assets"
    __table_args__ = (Index("ix_iot_assets_ip", "ip_address"), Index("ix_iot_assets_mac", "mac"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    asset_tag: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    device_type: Mapped[str] = mapped_column(String(16))
    use: Mapped[str] = mapped_column(String(255), default="")
    location: Mapped[str] = mapped_column(String(255), default="")
    network_segment: Mapped[str] = mapped_column(String(64), default="")
    ip_address: Mapped[str | None] = mapped_column(String(45), nullable=True)
    mac: Mapped[str | None] = mapped_column(String(17), nullable=True)
    administrator: Mapped[str] = mapped_column(String(128), default="")
    vendor: Mapped[str] = mapped_column(String(128), default="")
    model: Mapped[str] = mapped_column(String(128), default="")
    firmware_version: Mapped[str] = mapped_column(String(64), default="")
    security_label: Mapped[bool] = mapped_column(Boolean, default=False)
    label_ref: Mapped[str] = mapped_column(String(128), default="")
    no_label_reason: Mapped[str] = mapped_column(Text, default="")
    management_interface: Mapped[bool] = mapped_column(Boolean, default=True)
    purchased_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="active")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class IotAssessment(Base):
    """One assessment of one asset: the A7.1.2-A7.1.4 controls as found on a day."""

    __tablename__ = "iot_assessments"
    __table_args__ = (Index("ix_iot_assessments_asset", "asset_id", "assessed_on"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    asset_id: Mapped[str] = mapped_column(ForeignKey("iot_assets.id", ondelete="CASCADE"))
    assessed_on: Mapped[date] = mapped_column(Date)
    assessor: Mapped[str] = mapped_column(String(128))
    default_credentials_changed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    firmware_current: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    permissions_restricted: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    network_isolated: Mapped[bool] = mapped_column(Boolean)
    remote_access_controlled: Mapped[bool] = mapped_column(Boolean)
    next_due: Mapped[date] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class IotVendor(Base):
    """A7.1.5: the supplier, its contract's security clauses and the support end date."""

    __tablename__ = "iot_vendors"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    contact: Mapped[str] = mapped_column(String(255), default="")
    contract_ref: Mapped[str] = mapped_column(String(128), default="")
    security_clauses: Mapped[bool] = mapped_column(Boolean, default=False)
    support_end: Mapped[date | None] = mapped_column(Date, nullable=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class IotException(Base):
    """A7.1.6: an approved exception with compensating controls, until an expiry date."""

    __tablename__ = "iot_exceptions"
    __table_args__ = (Index("ix_iot_exceptions_asset", "asset_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    asset_id: Mapped[str] = mapped_column(ForeignKey("iot_assets.id", ondelete="CASCADE"))
    control: Mapped[str] = mapped_column(String(16))  # A7.1.2 / A7.1.3 / A7.1.4 / A7.1.5
    reason: Mapped[str] = mapped_column(Text)
    compensating_controls: Mapped[str] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16))  # requested, approved, rejected, closed
    approver: Mapped[str | None] = mapped_column(String(128), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    expires_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class IotScan(Base):
    """One imported nmap scan."""

    __tablename__ = "iot_scans"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    filename: Mapped[str] = mapped_column(String(255))
    scanned_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    imported_by: Mapped[str] = mapped_column(String(128))
    hosts_up: Mapped[int] = mapped_column(Integer)
    unregistered: Mapped[int] = mapped_column(Integer)


class IotScanHost(Base):
    """A host found up in a scan; ``asset_id`` is set when it matched the register."""

    __tablename__ = "iot_scan_hosts"
    __table_args__ = (Index("ix_iot_scan_hosts_scan", "scan_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    scan_id: Mapped[str] = mapped_column(ForeignKey("iot_scans.id", ondelete="CASCADE"))
    ip_address: Mapped[str] = mapped_column(String(45))
    mac: Mapped[str | None] = mapped_column(String(17), nullable=True)
    hostname: Mapped[str] = mapped_column(String(255), default="")
    mac_vendor: Mapped[str] = mapped_column(String(128), default="")
    open_ports: Mapped[str] = mapped_column(String(1024), default="")
    asset_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    dismissed_reason: Mapped[str] = mapped_column(Text, default="")
