"""The mobile-device register (A6.1, A6.2), declared once (model mode): the pages
(``views``), the JSON API (``api``) and the CLI (``cli``) are built from it."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from brokerguard.clock import Clock
from brokerguard.devices import service, tables
from brokerguard.devices.schemas import DeviceIn
from brokerguard.registerkit.spec import FormField, ListColumn, ModelMode, RegisterSpec

OWNERSHIP = {"company": ("公務用", "Company"), "byod": ("員工自攜", "BYOD")}
TYPES = {
    "phone": ("手機", "Phone"),
    "tablet": ("平板", "Tablet"),
    "laptop": ("筆記型電腦", "Laptop"),
    "other": ("其他", "Other"),
}
OSES = {
    "ios": ("iOS", "iOS"),
    "ipados": ("iPadOS", "iPadOS"),
    "android": ("Android", "Android"),
    "windows": ("Windows", "Windows"),
    "macos": ("macOS", "macOS"),
    "other": ("其他", "Other"),
}


def _options(labels: dict[str, tuple[str, str]]) -> tuple[tuple[str, str, str], ...]:
    return tuple((key, zh, en) for key, (zh, en) in labels.items())


FIELDS = (
    FormField("device_id", "MDM device ID", required=True),
    FormField("serial", "Serial number"),
    FormField("ownership", "Ownership", "choice", True, _options(OWNERSHIP)),
    FormField("holder", "Holder", required=True),
    FormField("unit", "Unit", required=True),
    FormField("device_type", "Device type", "choice", True, _options(TYPES)),
    FormField("os", "Operating system", "choice", True, _options(OSES)),
    FormField("os_version", "OS version"),
    FormField("policy_ack_on", "Policy acknowledged on", "date"),
    FormField("sensitive_access", "May handle sensitive business", "bool"),
    FormField(
        "status",
        "Status",
        "choice",
        True,
        (("active", "使用中", "In use"), ("retired", "已停用", "Retired")),
    ),
    FormField("notes", "Notes", "textarea"),
)


def _create(session: Session, clock: Clock, data: DeviceIn, actor: str) -> Any:
    return service.register_device(session, clock, data, actor=actor)


DEVICES: RegisterSpec[DeviceIn] = RegisterSpec(
    key="mobile-devices",
    path="/devices/register",
    title_zh="行動裝置",
    title_en="Mobile devices",
    model=DeviceIn,
    mode=ModelMode(
        fields=FIELDS,
        list_columns=(
            ListColumn("device_id", "MDM device ID"),
            ListColumn("ownership", "Ownership", OWNERSHIP),
            ListColumn("holder", "Holder"),
            ListColumn("unit", "Unit"),
            ListColumn("device_type", "Device type", TYPES),
            ListColumn("os", "Operating system", OSES),
            ListColumn("os_version", "OS version"),
            ListColumn("policy_ack_on", "Policy acknowledged on"),
            ListColumn("sensitive_access", "May handle sensitive business"),
            ListColumn(
                "status",
                "Status",
                {"active": ("使用中", "In use"), "retired": ("已停用", "Retired")},
            ),
        ),
        list_rows=lambda session: service.list_devices(session),
        create=_create,
        get=service.get_device,
        update=service.update_device,
        import_rows=tables.import_devices,
        export=tables.export_devices,
        links=(("/devices", "MDM compliance"),),
    ),
)
