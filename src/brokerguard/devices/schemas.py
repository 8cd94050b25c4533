"""Mobile-device register data shapes."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from brokerguard.clock import TAIPEI
from brokerguard.inputs import InputModel
from brokerguard.outputs import RowProblem
from brokerguard.textpolicy import MultilineText


class Ownership(StrEnum):
    company = "company"  # 公務用行動裝置 (A6.1)
    byod = "byod"  # 員工自攜行動裝置 (A6.2)


class MobileType(StrEnum):
    phone = "phone"
    tablet = "tablet"
    laptop = "laptop"
    other = "other"


class MobileOs(StrEnum):
    ios = "ios"
    ipados = "ipados"
    android = "android"
    windows = "windows"
    macos = "macos"
    other = "other"


class DeviceStatus(StrEnum):
    active = "active"
    retired = "retired"


class Problem(StrEnum):
    """Why a device is non-compliant."""

    unencrypted = "unencrypted"
    no_passcode = "no_passcode"
    compromised = "compromised"
    os_outdated = "os_outdated"
    stale_checkin = "stale_checkin"
    not_in_mdm = "not_in_mdm"
    no_acknowledgement = "no_acknowledgement"
    unregistered = "unregistered"


PROBLEM_LABELS: dict[Problem, tuple[str, str]] = {
    Problem.unencrypted: ("未加密", "not encrypted"),
    Problem.no_passcode: ("未設密碼", "no passcode"),
    Problem.compromised: ("疑似 root／越獄", "rooted or jailbroken"),
    Problem.os_outdated: ("作業系統版本過舊", "OS below the minimum"),
    Problem.stale_checkin: ("逾期未回報 MDM", "no recent MDM check-in"),
    Problem.not_in_mdm: ("未納管於 MDM", "not enrolled in the MDM"),
    Problem.no_acknowledgement: ("未簽署使用規範", "policy not acknowledged"),
    Problem.unregistered: ("可存取敏感業務但未登錄", "reaches sensitive business, not registered"),
}

ALIASES = {
    "公務": "company",
    "公司": "company",
    "公務用": "company",
    "corporate": "company",
    "自攜": "byod",
    "個人": "byod",
    "personal": "byod",
    "員工自攜": "byod",
    "手機": "phone",
    "平板": "tablet",
    "筆電": "laptop",
    "筆記型電腦": "laptop",
    "iphone": "phone",
    "smartphone": "phone",
    "ipad": "tablet",
    "notebook": "laptop",
    "ios": "ios",
    "ipados": "ipados",
    "android": "android",
    "windows": "windows",
    "macos": "macos",
    "mac os": "macos",
    "os x": "macos",
}


def _alias(value: object) -> object:
    if isinstance(value, str):
        key = value.strip().lower()
        return ALIASES.get(key, key)
    return value


class DeviceIn(InputModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    device_id: str = Field(min_length=1, max_length=128)
    serial: str = Field(default="", max_length=128)
    ownership: Ownership
    holder: str = Field(min_length=1, max_length=128)
    unit: str = Field(min_length=1, max_length=128)
    device_type: MobileType
    os: MobileOs
    os_version: str = Field(default="", max_length=32)
    policy_ack_on: date | None = None
    sensitive_access: bool = True
    status: DeviceStatus = DeviceStatus.active
    notes: MultilineText = Field(default="", max_length=4000)

    @field_validator("ownership", "device_type", "os", mode="before")
    @classmethod
    def _aliases(cls, value: object) -> object:
        return _alias(value)

    @field_validator("device_id", "serial", "holder", "unit", "os_version", "notes")
    @classmethod
    def _plain(cls, value: str) -> str:
        if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in value):
            raise ValueError("contains control characters")
        return value


class DeviceRecord(BaseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)

    id: str
    device_id: str
    serial: str
    ownership: Ownership
    holder: str
    unit: str
    device_type: MobileType
    os: MobileOs
    os_version: str
    policy_ack_on: date | None
    sensitive_access: bool
    status: DeviceStatus
    notes: str
    created_by: str
    created_at: datetime
    updated_at: datetime


class MdmRowIn(InputModel):
    """One device in an MDM export."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    device_id: str = Field(min_length=1, max_length=128)
    serial: str = Field(default="", max_length=128)
    os: MobileOs = MobileOs.other
    os_version: str = Field(default="", max_length=32)
    encrypted: bool
    passcode: bool
    compromised: bool
    last_checkin: datetime | None = None
    sensitive_access: bool = True

    @field_validator("os", mode="before")
    @classmethod
    def _aliases(cls, value: object) -> object:
        return _alias(value)

    @field_validator("last_checkin")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=TAIPEI)
        return value


class MdmStateRecord(BaseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)

    device_id: str
    serial: str
    os: str
    os_version: str
    encrypted: bool
    passcode: bool
    compromised: bool
    last_checkin: datetime | None
    sensitive_access: bool
    imported_at: datetime


class ComplianceRow(BaseModel):
    """A device (registered, or only seen by the MDM) and what is wrong with it."""

    model_config = ConfigDict(frozen=True)

    device_id: str
    registered: DeviceRecord | None
    mdm: MdmStateRecord | None
    problems: tuple[Problem, ...]

    @property
    def compliant(self) -> bool:
        return not self.problems


class MdmImportSummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    import_id: str
    total: int
    loaded: int
    noncompliant: int
    unregistered: int
    errors: list[RowProblem]
