"""IoT register data shapes: what the API, forms and imports accept, and what they return."""

from __future__ import annotations

import ipaddress
import re
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from brokerguard.inputs import InputModel
from brokerguard.textpolicy import MultilineText

MAC_RE = re.compile(r"^[0-9a-f]{2}([:-]?)[0-9a-f]{2}(\1[0-9a-f]{2}){4}$", re.IGNORECASE)


class DeviceType(StrEnum):
    """The rule's examples (Art. 2 item 5).

    數位錄影機, 電話交換機, 傳真機, 錄音設備, 影印機, 監視器, 感測器.
    """

    dvr = "dvr"
    pbx = "pbx"
    fax = "fax"
    recorder = "recorder"
    copier = "copier"
    cctv = "cctv"
    sensor = "sensor"
    other = "other"


DEVICE_TYPE_LABELS: dict[DeviceType, tuple[str, str]] = {
    DeviceType.dvr: ("數位錄影機", "DVR"),
    DeviceType.pbx: ("電話交換機", "PBX"),
    DeviceType.fax: ("傳真機", "Fax"),
    DeviceType.recorder: ("錄音設備", "Recorder"),
    DeviceType.copier: ("影印機／事務機", "Copier / MFP"),
    DeviceType.cctv: ("監視器", "CCTV camera"),
    DeviceType.sensor: ("感測器", "Sensor"),
    DeviceType.other: ("其他", "Other"),
}

DEVICE_TYPE_ALIASES = (
    {zh: t.value for t, (zh, _en) in DEVICE_TYPE_LABELS.items()}
    | {en.lower(): t.value for t, (_zh, en) in DEVICE_TYPE_LABELS.items()}
    | {
        "影印機": "copier",
        "事務機": "copier",
        "多功能事務機": "copier",
        "mfp": "copier",
        "camera": "cctv",
        "攝影機": "cctv",
        "交換機": "pbx",
        "錄影機": "dvr",
        "nvr": "dvr",
    }
)


class AssetStatus(StrEnum):
    active = "active"
    retired = "retired"


class ExceptionStatus(StrEnum):
    requested = "requested"
    approved = "approved"
    rejected = "rejected"
    closed = "closed"


#: the controls an exception may cover (A7.1.6: 2, 3, 4; support end falls under 5)
EXCEPTION_CONTROLS = ("A7.1.2", "A7.1.3", "A7.1.4", "A7.1.5")


def normalise_mac(value: str) -> str:
    text = value.strip()
    if not MAC_RE.match(text):
        raise ValueError(f"not a MAC address: {value!r}")
    digits = re.sub(r"[^0-9a-fA-F]", "", text).lower()
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


def normalise_ip(value: str) -> str:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        raise ValueError(f"not an IP address: {value!r}") from None


def _short(value: str, limit: int) -> str:
    text = value.strip()
    if len(text) > limit:
        raise ValueError(f"longer than {limit} characters")
    if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in text):
        raise ValueError("contains control characters")
    return text


class AssetIn(InputModel):
    """An IoT asset as entered (form, API or import row)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    asset_tag: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=255)
    device_type: DeviceType
    use: str = Field(default="", max_length=255)
    location: str = Field(default="", max_length=255)
    network_segment: str = Field(default="", max_length=64)
    ip_address: str | None = None
    mac: str | None = None
    administrator: str = Field(default="", max_length=128)
    vendor: str = Field(default="", max_length=128)
    model: str = Field(default="", max_length=128)
    firmware_version: str = Field(default="", max_length=64)
    security_label: bool = False
    label_ref: str = Field(default="", max_length=128)
    no_label_reason: MultilineText = Field(default="", max_length=2000)
    management_interface: bool = True
    purchased_on: date | None = None
    status: AssetStatus = AssetStatus.active
    notes: MultilineText = Field(default="", max_length=4000)

    @field_validator("device_type", mode="before")
    @classmethod
    def _type_alias(cls, value: object) -> object:
        if isinstance(value, str):
            key = value.strip()
            return DEVICE_TYPE_ALIASES.get(key, DEVICE_TYPE_ALIASES.get(key.lower(), key.lower()))
        return value

    @field_validator("ip_address")
    @classmethod
    def _ip(cls, value: str | None) -> str | None:
        return normalise_ip(value) if value else None

    @field_validator("mac")
    @classmethod
    def _mac(cls, value: str | None) -> str | None:
        return normalise_mac(value) if value else None

    @field_validator(
        "asset_tag",
        "name",
        "use",
        "location",
        "network_segment",
        "administrator",
        "vendor",
        "model",
        "firmware_version",
        "label_ref",
        "no_label_reason",
        "notes",
    )
    @classmethod
    def _text(cls, value: str) -> str:
        return _short(value, 4000)


class AssetRecord(BaseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)

    id: str
    asset_tag: str
    name: str
    device_type: DeviceType
    use: str
    location: str
    network_segment: str
    ip_address: str | None
    mac: str | None
    administrator: str
    vendor: str
    model: str
    firmware_version: str
    security_label: bool
    label_ref: str
    no_label_reason: str
    management_interface: bool
    purchased_on: date | None
    status: AssetStatus
    notes: str
    created_by: str
    created_at: datetime
    updated_at: datetime

    @property
    def reduced_scope(self) -> bool:
        """A7.1.7: a sensor without management functions follows only A7.1.1, 4, 5 and 6."""
        return self.device_type is DeviceType.sensor and not self.management_interface


class AssessmentIn(InputModel):
    """The controls of A7.1.2-A7.1.4 as found on one device; ``None`` = not applicable."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    asset_tag: str = Field(min_length=1, max_length=64)
    assessed_on: date
    assessor: str = Field(min_length=1, max_length=128)
    default_credentials_changed: bool | None = None
    firmware_current: bool | None = None
    permissions_restricted: bool | None = None
    network_isolated: bool
    remote_access_controlled: bool
    next_due: date | None = None
    notes: MultilineText = Field(default="", max_length=4000)


class AssessmentRecord(BaseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)

    id: str
    asset_id: str
    assessed_on: date
    assessor: str
    default_credentials_changed: bool | None
    firmware_current: bool | None
    permissions_restricted: bool | None
    network_isolated: bool
    remote_access_controlled: bool
    next_due: date
    notes: str
    created_at: datetime

    def control_ok(self, control: str) -> bool | None:
        """Whether the control of ``control`` (A7.1.2/3/4) held; ``None`` if not assessed."""
        if control == "A7.1.2":
            return self.firmware_current
        if control == "A7.1.3":
            if self.default_credentials_changed is None and self.permissions_restricted is None:
                return None
            return bool(self.default_credentials_changed) and bool(self.permissions_restricted)
        if control == "A7.1.4":
            return self.network_isolated and self.remote_access_controlled
        raise ValueError(f"unknown control {control}")


class VendorIn(InputModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=128)
    contact: str = Field(default="", max_length=255)
    contract_ref: str = Field(default="", max_length=128)
    security_clauses: bool = False
    support_end: date | None = None
    notes: MultilineText = Field(default="", max_length=4000)

    @field_validator("name", "contact", "contract_ref", "notes")
    @classmethod
    def _text(cls, value: str) -> str:
        return _short(value, 4000)


class VendorRecord(BaseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)

    id: str
    name: str
    contact: str
    contract_ref: str
    security_clauses: bool
    support_end: date | None
    notes: str
    created_at: datetime
    updated_at: datetime


class ExceptionIn(InputModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    asset_tag: str = Field(min_length=1, max_length=64)
    control: str
    reason: MultilineText = Field(min_length=1, max_length=4000)
    compensating_controls: MultilineText = Field(min_length=1, max_length=4000)
    expires_on: date

    @field_validator("control")
    @classmethod
    def _control(cls, value: str) -> str:
        if value not in EXCEPTION_CONTROLS:
            raise ValueError(f"control must be one of {', '.join(EXCEPTION_CONTROLS)}")
        return value


class ExceptionRecord(BaseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)

    id: str
    asset_id: str
    control: str
    reason: str
    compensating_controls: str
    requested_by: str
    status: ExceptionStatus
    approver: str | None
    decided_at: datetime | None
    expires_on: date
    created_at: datetime

    def covers(self, asset_id: str, control: str, today: date) -> bool:
        return (
            self.asset_id == asset_id
            and self.control == control
            and self.status is ExceptionStatus.approved
            and self.expires_on >= today
        )

    def is_expired(self, today: date) -> bool:
        return self.status is ExceptionStatus.approved and self.expires_on < today


class ScanHostRecord(BaseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)

    id: str
    scan_id: str
    ip_address: str
    mac: str | None
    hostname: str
    mac_vendor: str
    open_ports: str
    asset_id: str | None
    dismissed_reason: str


class ScanRecord(BaseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)

    id: str
    filename: str
    scanned_at: datetime | None
    imported_at: datetime
    imported_by: str
    hosts_up: int
    unregistered: int
