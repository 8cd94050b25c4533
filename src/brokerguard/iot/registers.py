"""The IoT registers, each declared once (model mode): assets, vendors, assessments,
exceptions. The pages (``views``), the JSON API (``api``) and the CLI (``cli``) are built
from these."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from brokerguard.clock import Clock
from brokerguard.iot import service, tables
from brokerguard.iot.schemas import (
    DEVICE_TYPE_LABELS,
    EXCEPTION_CONTROLS,
    AssessmentIn,
    AssetIn,
    ExceptionIn,
    VendorIn,
)
from brokerguard.registerkit.spec import FormField, ListColumn, ModelMode, RegisterSpec
from brokerguard.tabular import ImportMode

TYPE_OPTIONS = tuple((t.value, zh, en) for t, (zh, en) in DEVICE_TYPE_LABELS.items())
TYPE_LABELS = {t.value: labels for t, labels in DEVICE_TYPE_LABELS.items()}
STATUS_OPTIONS = (("active", "使用中", "In use"), ("retired", "已報廢", "Retired"))
LINKS = (
    ("/iot/assets", "IoT devices"),
    ("/iot/assessments", "Assessments"),
    ("/iot/vendors", "Vendors"),
    ("/iot/exceptions", "Exceptions"),
    ("/iot/scans", "Network scans"),
)

ASSET_FIELDS = (
    FormField("asset_tag", "Asset tag", required=True),
    FormField("name", "Name", required=True),
    FormField("device_type", "Device type", "choice", True, TYPE_OPTIONS),
    FormField("use", "Use"),
    FormField("location", "Location"),
    FormField("network_segment", "Network segment"),
    FormField("ip_address", "IP address"),
    FormField("mac", "MAC address"),
    FormField("administrator", "Administrator"),
    FormField("vendor", "Vendor"),
    FormField("model", "Model"),
    FormField("firmware_version", "Firmware version"),
    FormField("security_label", "Cybersecurity label", "bool"),
    FormField("label_ref", "Label reference"),
    FormField("no_label_reason", "Reason for buying without a label", "textarea"),
    FormField("management_interface", "Has a management interface", "bool"),
    FormField("purchased_on", "Purchased on", "date"),
    FormField("status", "Status", "choice", True, STATUS_OPTIONS),
    FormField("notes", "Notes", "textarea"),
)


def _asset_create(session: Session, clock: Clock, data: AssetIn, actor: str) -> Any:
    return service.create_asset(session, clock, data, actor=actor)


ASSETS: RegisterSpec[AssetIn] = RegisterSpec(
    key="iot-assets",
    path="/iot/assets",
    title_zh="物聯網設備",
    title_en="IoT devices",
    model=AssetIn,
    mode=ModelMode(
        fields=ASSET_FIELDS,
        list_columns=(
            ListColumn("asset_tag", "Asset tag"),
            ListColumn("name", "Name"),
            ListColumn("device_type", "Device type", TYPE_LABELS),
            ListColumn("location", "Location"),
            ListColumn("network_segment", "Network segment"),
            ListColumn("ip_address", "IP address"),
            ListColumn("administrator", "Administrator"),
            ListColumn("vendor", "Vendor"),
            ListColumn("firmware_version", "Firmware version"),
            ListColumn("security_label", "Cybersecurity label"),
            ListColumn("management_interface", "Has a management interface"),
            ListColumn("status", "Status", {v: (zh, en) for v, zh, en in STATUS_OPTIONS}),
        ),
        list_rows=lambda session: service.list_assets(session),
        create=_asset_create,
        get=service.get_asset,
        update=service.update_asset,
        import_rows=tables.import_assets,
        export=tables.export_assets,
        links=LINKS[1:],
        detail_link=True,
    ),
)

VENDOR_FIELDS = (
    FormField("name", "Vendor", required=True),
    FormField("contact", "Contact"),
    FormField("contract_ref", "Contract reference"),
    FormField("security_clauses", "Contract has security clauses", "bool"),
    FormField("support_end", "Support ends on", "date"),
    FormField("notes", "Notes", "textarea"),
)


def _vendor_import(
    session: Session, clock: Clock, content: bytes, name: str, mode: ImportMode, actor: str
) -> Any:
    return tables.import_vendors(session, clock, content, name, mode=mode)


VENDORS: RegisterSpec[VendorIn] = RegisterSpec(
    key="iot-vendors",
    path="/iot/vendors",
    title_zh="物聯網設備供應商",
    title_en="IoT vendors",
    model=VendorIn,
    mode=ModelMode(
        fields=VENDOR_FIELDS,
        list_columns=(
            ListColumn("name", "Vendor"),
            ListColumn("contact", "Contact"),
            ListColumn("contract_ref", "Contract reference"),
            ListColumn("security_clauses", "Contract has security clauses"),
            ListColumn("support_end", "Support ends on"),
        ),
        list_rows=service.list_vendors,
        create=lambda session, clock, data, actor: service.create_vendor(session, clock, data),
        get=service.get_vendor,
        update=service.update_vendor,
        import_rows=_vendor_import,
        export=tables.export_vendors,
        links=LINKS,
    ),
)

ASSESSMENT_FIELDS = (
    FormField("asset_tag", "Asset tag", required=True),
    FormField("assessed_on", "Assessed on", "date", True),
    FormField("assessor", "Assessor", required=True),
    FormField("default_credentials_changed", "Default credentials changed", "optbool"),
    FormField("firmware_current", "Firmware current", "optbool"),
    FormField("permissions_restricted", "Permissions restricted", "optbool"),
    FormField("network_isolated", "Network isolated", "bool"),
    FormField("remote_access_controlled", "Remote access controlled", "bool"),
    FormField("next_due", "Next assessment due", "date", help="Empty: one year later"),
    FormField("notes", "Notes", "textarea"),
)


def _assessment_rows(session: Session) -> list[dict[str, Any]]:
    return service.with_asset_tags(session, service.list_assessments(session))


def _assessment_import(
    session: Session, clock: Clock, content: bytes, name: str, mode: ImportMode, actor: str
) -> Any:
    return tables.import_assessments(session, clock, content, name, mode=mode)


ASSESSMENTS: RegisterSpec[AssessmentIn] = RegisterSpec(
    key="iot-assessments",
    path="/iot/assessments",
    title_zh="物聯網設備評估紀錄",
    title_en="IoT assessments",
    model=AssessmentIn,
    mode=ModelMode(
        fields=ASSESSMENT_FIELDS,
        list_columns=(
            ListColumn("asset_tag", "Asset tag"),
            ListColumn("assessed_on", "Assessed on"),
            ListColumn("assessor", "Assessor"),
            ListColumn("default_credentials_changed", "Default credentials changed"),
            ListColumn("firmware_current", "Firmware current"),
            ListColumn("permissions_restricted", "Permissions restricted"),
            ListColumn("network_isolated", "Network isolated"),
            ListColumn("remote_access_controlled", "Remote access controlled"),
            ListColumn("next_due", "Next assessment due"),
        ),
        list_rows=_assessment_rows,  # type: ignore[arg-type]
        create=lambda session, clock, data, actor: service.record_assessment(session, clock, data),
        import_rows=_assessment_import,
        export=tables.export_assessments,
        import_help=(
            "Sensors without management functions may leave the first three controls empty."
        ),
        links=LINKS,
    ),
)

EXCEPTION_FIELDS = (
    FormField("asset_tag", "Asset tag", required=True),
    FormField("control", "Control", "choice", True, tuple((c, c, c) for c in EXCEPTION_CONTROLS)),
    FormField("reason", "Reason", "textarea", True),
    FormField("compensating_controls", "Compensating controls", "textarea", True),
    FormField("expires_on", "Expires on", "date", True),
)


def exception_rows(session: Session) -> list[dict[str, Any]]:
    return service.with_asset_tags(session, service.list_exceptions(session))


EXCEPTIONS: RegisterSpec[ExceptionIn] = RegisterSpec(
    key="iot-exceptions",
    path="/iot/exceptions",
    title_zh="物聯網設備例外控管",
    title_en="IoT exceptions",
    model=ExceptionIn,
    mode=ModelMode(
        fields=EXCEPTION_FIELDS,
        list_columns=(),
        list_rows=exception_rows,  # type: ignore[arg-type]
        create=lambda session, clock, data, actor: service.request_exception(
            session, clock, data, requested_by=actor
        ),
        export=tables.export_exceptions,
        links=LINKS,
        own_list_page=True,
    ),
)
