"""CSV/XLSX import and export of the IoT registers (through :mod:`brokerguard.tabular`)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from brokerguard.clock import Clock
from brokerguard.errors import BrokerguardError
from brokerguard.iot import service
from brokerguard.iot.models import IotAsset, IotVendor
from brokerguard.iot.schemas import AssessmentIn, AssetIn, VendorIn
from brokerguard.iot.settings import IotSettings
from brokerguard.registerkit.model_rows import (
    ImportOutcome,
    load_rows,
    registered_key_errors,
)
from brokerguard.registerkit.spec import table_file
from brokerguard.tabular import (
    Column,
    ImportMode,
    RowError,
    parse_bool,
    parse_optional_date,
    read_table,
    text,
)


def _opt_bool(value: str) -> bool | None:
    if value.strip().lower() in ("n/a", "na", "不適用", "-"):
        return None
    return parse_bool(value)


ASSET_COLUMNS: tuple[Column, ...] = (
    Column("asset_tag", ("財產編號", "asset tag", "asset_tag", "tag"), parse=text(64)),
    Column("name", ("設備名稱", "name"), parse=text(255)),
    Column("device_type", ("設備類型", "device type", "type"), parse=text(32)),
    Column("use", ("用途", "use", "purpose"), required=False, parse=text(255), default=""),
    Column("location", ("放置地點", "location"), required=False, parse=text(255), default=""),
    Column(
        "network_segment",
        ("網段", "network segment", "vlan"),
        required=False,
        parse=text(64),
        default="",
    ),
    Column("ip_address", ("IP位址", "ip address", "ip"), required=False, parse=text(45)),
    Column("mac", ("MAC位址", "mac address", "mac"), required=False, parse=text(17)),
    Column(
        "administrator",
        ("管理人員", "administrator", "admin"),
        required=False,
        parse=text(128),
        default="",
    ),
    Column("vendor", ("供應商", "vendor", "supplier"), required=False, parse=text(128), default=""),
    Column("model", ("型號", "model"), required=False, parse=text(128), default=""),
    Column(
        "firmware_version",
        ("韌體版本", "firmware version", "firmware"),
        required=False,
        parse=text(64),
        default="",
    ),
    Column(
        "security_label",
        ("資安標章", "cybersecurity label", "security label", "label"),
        required=False,
        parse=parse_bool,
        default=False,
    ),
    Column(
        "label_ref",
        ("標章編號", "label reference", "label ref"),
        required=False,
        parse=text(128),
        default="",
    ),
    Column(
        "no_label_reason",
        ("未取得標章原因", "no label reason"),
        required=False,
        parse=text(2000),
        default="",
    ),
    Column(
        "management_interface",
        ("具管理介面", "management interface"),
        required=False,
        parse=parse_bool,
        default=True,
    ),
    Column(
        "purchased_on",
        ("採購日期", "purchased on", "purchase date"),
        required=False,
        parse=parse_optional_date,
    ),
    Column("status", ("狀態", "status"), required=False, parse=text(16), default="active"),
    Column("notes", ("備註", "notes"), required=False, parse=text(4000), default=""),
)

VENDOR_COLUMNS: tuple[Column, ...] = (
    Column("name", ("供應商", "vendor", "name"), parse=text(128)),
    Column("contact", ("聯絡窗口", "contact"), required=False, parse=text(255), default=""),
    Column(
        "contract_ref",
        ("合約編號", "contract", "contract ref"),
        required=False,
        parse=text(128),
        default="",
    ),
    Column(
        "security_clauses",
        ("合約含資安條款", "security clauses"),
        required=False,
        parse=parse_bool,
        default=False,
    ),
    Column(
        "support_end",
        ("支援終止日", "support end", "end of support"),
        required=False,
        parse=parse_optional_date,
    ),
    Column("notes", ("備註", "notes"), required=False, parse=text(4000), default=""),
)

ASSESSMENT_COLUMNS: tuple[Column, ...] = (
    Column("asset_tag", ("財產編號", "asset tag", "asset_tag"), parse=text(64)),
    Column("assessed_on", ("評估日期", "assessed on", "date"), parse=parse_optional_date),
    Column("assessor", ("評估人員", "assessor"), parse=text(128)),
    Column(
        "default_credentials_changed",
        ("已變更預設帳密", "default credentials changed"),
        required=False,
        parse=_opt_bool,
    ),
    Column("firmware_current", ("韌體為最新", "firmware current"), required=False, parse=_opt_bool),
    Column(
        "permissions_restricted",
        ("權限已限縮", "permissions restricted"),
        required=False,
        parse=_opt_bool,
    ),
    Column("network_isolated", ("網路已隔離", "network isolated"), parse=parse_bool),
    Column(
        "remote_access_controlled", ("遠端存取受控", "remote access controlled"), parse=parse_bool
    ),
    Column("next_due", ("下次評估日", "next due"), required=False, parse=parse_optional_date),
    Column("notes", ("備註", "notes"), required=False, parse=text(4000), default=""),
)

EXCEPTION_COLUMNS: tuple[Column, ...] = (
    Column("asset_tag", ("財產編號", "asset tag")),
    Column("control", ("例外條款", "control")),
    Column("reason", ("原因", "reason")),
    Column("compensating_controls", ("補償性控制措施", "compensating controls")),
    Column("requested_by", ("申請人", "requested by")),
    Column("status", ("狀態", "status")),
    Column("approver", ("核准人", "approver")),
    Column("expires_on", ("到期日", "expires on")),
)


# --- assets -----------------------------------------------------------------------------


def import_assets(
    session: Session,
    clock: Clock,
    content: bytes,
    filename: str,
    mode: ImportMode,
    actor: str,
) -> ImportOutcome:
    result = read_table(content, filename, ASSET_COLUMNS, unique=("asset_tag",))

    def conflicts(valid: list[tuple[int, AssetIn]]) -> list[RowError]:
        return registered_key_errors(session, IotAsset.asset_tag, valid, "asset tag")

    def store(items: list[AssetIn]) -> None:
        service.add_assets(session, clock, items, actor=actor)

    return load_rows(result, AssetIn, mode, conflicts, store)


def export_assets(session: Session, fmt: str) -> bytes:
    rows = [r.model_dump() for r in service.list_assets(session)]
    return table_file(ASSET_COLUMNS, rows, fmt, "IoT assets")[0]


# --- vendors ----------------------------------------------------------------------------


def import_vendors(
    session: Session, clock: Clock, content: bytes, filename: str, *, mode: ImportMode
) -> ImportOutcome:
    result = read_table(content, filename, VENDOR_COLUMNS, unique=("name",))

    def conflicts(valid: list[tuple[int, VendorIn]]) -> list[RowError]:
        return registered_key_errors(session, IotVendor.name, valid, "vendor")

    def store(items: list[VendorIn]) -> None:
        for item in items:
            service.create_vendor(session, clock, item)

    return load_rows(result, VendorIn, mode, conflicts, store)


def export_vendors(session: Session, fmt: str) -> bytes:
    rows = [r.model_dump() for r in service.list_vendors(session)]
    return table_file(VENDOR_COLUMNS, rows, fmt, "IoT vendors")[0]


# --- assessments ------------------------------------------------------------------------


def import_assessments(
    session: Session,
    clock: Clock,
    content: bytes,
    filename: str,
    *,
    mode: ImportMode,
    settings: IotSettings | None = None,
) -> ImportOutcome:
    """Each row is one assessment; a row naming an unknown asset or missing a control fails."""
    result = read_table(content, filename, ASSESSMENT_COLUMNS)

    def conflicts(valid: list[tuple[int, AssessmentIn]]) -> list[RowError]:
        errors = []
        for line, item in valid:
            try:
                service.prepare_assessment(session, clock, item, settings=settings)
            except BrokerguardError as exc:
                errors.append(RowError(line, exc.field, exc.message))
        return errors

    def store(items: list[AssessmentIn]) -> None:
        for item in items:
            service.record_assessment(session, clock, item, settings=settings)

    return load_rows(result, AssessmentIn, mode, conflicts, store)


def export_assessments(session: Session, fmt: str) -> bytes:
    rows = service.with_asset_tags(session, service.list_assessments(session))
    return table_file(ASSESSMENT_COLUMNS, rows, fmt, "IoT assessments")[0]


def export_exceptions(session: Session, fmt: str) -> bytes:
    rows = service.with_asset_tags(session, service.list_exceptions(session))
    return table_file(EXCEPTION_COLUMNS, rows, fmt, "IoT exceptions")[0]
