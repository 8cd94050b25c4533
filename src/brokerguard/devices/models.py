"""Mobile devices (A6.1) and employees' own devices (A6.2): register and MDM state."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from brokerguard.db.base import Base, UTCDateTime, new_uuid


class DevicesDevice(Base):
    """A company device or an enrolled personal device that may handle sensitive business."""

    __tablename__ = "devices_devices"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    device_id: Mapped[str] = mapped_column(String(128), unique=True)  # the MDM's device ID
    serial: Mapped[str] = mapped_column(String(128), default="")
    ownership: Mapped[str] = mapped_column(String(16))  # company, byod
    holder: Mapped[str] = mapped_column(String(128))
    unit: Mapped[str] = mapped_column(String(128))
    device_type: Mapped[str] = mapped_column(String(16))
    os: Mapped[str] = mapped_column(String(16))
    os_version: Mapped[str] = mapped_column(String(32), default="")
    policy_ack_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    sensitive_access: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(16), default="active")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DevicesMdmState(Base):
    """The latest state the MDM reported for a device (one row per MDM device ID)."""

    __tablename__ = "devices_mdm_states"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    device_id: Mapped[str] = mapped_column(String(128), unique=True)
    serial: Mapped[str] = mapped_column(String(128), default="")
    os: Mapped[str] = mapped_column(String(16), default="")
    os_version: Mapped[str] = mapped_column(String(32), default="")
    encrypted: Mapped[bool] = mapped_column(Boolean)
    passcode: Mapped[bool] = mapped_column(Boolean)
    compromised: Mapped[bool] = mapped_column(Boolean)
    last_checkin: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    sensitive_access: Mapped[bool] = mapped_column(Boolean, default=True)
    import_id: Mapped[str] = mapped_column(String(36))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DevicesMdmImport(Base):
    __tablename__ = "devices_mdm_imports"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    filename: Mapped[str] = mapped_column(String(255))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    imported_by: Mapped[str] = mapped_column(String(128))
    rows: Mapped[int] = mapped_column(Integer)
    noncompliant: Mapped[int] = mapped_column(Integer)
    unregistered: Mapped[int] = mapped_column(Integer)
