"""CSV/XLSX import and export of the device register; MDM exports (CSV, XLSX or JSON)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, time
from typing import Any

from sqlalchemy.orm import Session

from brokerguard.clock import TAIPEI, Clock
from brokerguard.clock import parse_date as parse_date_text
from brokerguard.devices import service
from brokerguard.devices.models import DevicesDevice, DevicesMdmImport
from brokerguard.devices.schemas import DeviceIn, MdmImportSummary, MdmRowIn, Problem
from brokerguard.devices.settings import DevicesSettings
from brokerguard.errors import PayloadTooLargeError, ValidationError
from brokerguard.registerkit.model_rows import (
    ImportOutcome,
    load_rows,
    registered_key_errors,
)
from brokerguard.registerkit.spec import table_file
from brokerguard.tabular import (
    DEFAULT_MAX_BYTES,
    Column,
    ImportMode,
    RowError,
    parse_bool,
    parse_optional_date,
    read_table,
    text,
)

MAX_JSON_DEPTH_ITEMS = 200_000


def parse_checkin(value: str) -> datetime:
    """ISO date-time (``Z`` or offset; naive = Taipei), epoch seconds, or an ISO/ROC date."""
    raw = value.strip()
    if raw.isdigit() and 9 <= len(raw) <= 11:
        return datetime.fromtimestamp(int(raw), UTC)
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is not None and ("T" in raw or ":" in raw):
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=TAIPEI)
    try:
        day = parse_date_text(raw)
    except ValueError:
        raise ValueError(f"not a date or date-time: {value!r}") from None
    return datetime.combine(day, time(0, 0), tzinfo=TAIPEI)


DEVICE_COLUMNS: tuple[Column, ...] = (
    Column("device_id", ("裝置識別碼", "device id", "device_id"), parse=text(128)),
    Column(
        "serial", ("序號", "serial", "serial number"), required=False, parse=text(128), default=""
    ),
    Column("ownership", ("歸屬", "ownership"), parse=text(16)),
    Column("holder", ("保管人", "holder", "user"), parse=text(128)),
    Column("unit", ("單位", "unit", "department"), parse=text(128)),
    Column("device_type", ("裝置類型", "device type", "type"), parse=text(16)),
    Column("os", ("作業系統", "os", "platform"), parse=text(16)),
    Column(
        "os_version", ("作業系統版本", "os version"), required=False, parse=text(32), default=""
    ),
    Column(
        "policy_ack_on",
        ("規範簽署日", "policy acknowledged", "policy ack"),
        required=False,
        parse=parse_optional_date,
    ),
    Column(
        "sensitive_access",
        ("可處理敏感業務", "sensitive access"),
        required=False,
        parse=parse_bool,
        default=True,
    ),
    Column("status", ("狀態", "status"), required=False, parse=text(16), default="active"),
    Column("notes", ("備註", "notes"), required=False, parse=text(4000), default=""),
)

MDM_COLUMNS: tuple[Column, ...] = (
    Column("device_id", ("device id", "裝置識別碼", "deviceid", "udid", "id"), parse=text(128)),
    Column(
        "serial",
        ("serial", "序號", "serial number", "serialnumber"),
        required=False,
        parse=text(128),
        default="",
    ),
    Column("os", ("os", "作業系統", "platform"), required=False, parse=text(16), default="other"),
    Column(
        "os_version",
        ("os version", "作業系統版本", "osversion"),
        required=False,
        parse=text(32),
        default="",
    ),
    Column("encrypted", ("encrypted", "加密", "encryption", "storage encrypted"), parse=parse_bool),
    Column("passcode", ("passcode", "密碼", "passcode present", "screen lock"), parse=parse_bool),
    Column(
        "compromised",
        ("compromised", "jailbroken", "rooted", "jailbreak/root", "root/越獄", "jailbreak"),
        parse=parse_bool,
    ),
    Column(
        "last_checkin",
        ("last check-in", "最後回報", "last checkin", "lastseen", "last seen"),
        required=False,
        parse=parse_checkin,
    ),
    Column(
        "sensitive_access",
        ("sensitive access", "可存取敏感業務", "corporate access"),
        required=False,
        parse=parse_bool,
        default=True,
    ),
)


def import_devices(
    session: Session, clock: Clock, content: bytes, filename: str, mode: ImportMode, actor: str
) -> ImportOutcome:
    result = read_table(content, filename, DEVICE_COLUMNS, unique=("device_id",))

    def conflicts(valid: list[tuple[int, DeviceIn]]) -> list[RowError]:
        return registered_key_errors(session, DevicesDevice.device_id, valid, "device")

    def store(items: list[DeviceIn]) -> None:
        service.add_devices(session, clock, items, actor=actor)

    return load_rows(result, DeviceIn, mode, conflicts, store)


def export_devices(session: Session, fmt: str) -> bytes:
    rows = [r.model_dump() for r in service.list_devices(session)]
    return table_file(DEVICE_COLUMNS, rows, fmt, "Mobile devices")[0]


def _json_cell(value: Any, where: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | str):
        return str(value)
    raise ValidationError(f"{where}: nested values are not supported", field="file")


def json_to_csv(content: bytes) -> bytes:
    """An MDM JSON export (a list of objects, or ``{"devices": [...]}``) as CSV."""
    if len(content) > DEFAULT_MAX_BYTES:
        raise PayloadTooLargeError(
            f"the file is larger than {DEFAULT_MAX_BYTES:,} bytes", field="file"
        )
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ValidationError(f"not valid UTF-8 JSON: {exc}", field="file") from None
    if isinstance(data, dict):
        for key in ("devices", "data", "items", "results"):
            if isinstance(data.get(key), list):
                data = data[key]
                break
    if not isinstance(data, list) or not data:
        raise ValidationError("the JSON must be a non-empty list of devices", field="file")
    if len(data) > MAX_JSON_DEPTH_ITEMS:
        raise PayloadTooLargeError(f"more than {MAX_JSON_DEPTH_ITEMS:,} devices", field="file")
    headers: list[str] = []
    for index, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            raise ValidationError(f"device {index} is not an object", field="file")
        for key in item:
            if key not in headers:
                headers.append(str(key))
        if len(headers) > 200:
            raise ValidationError("too many different keys in the JSON", field="file")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(headers)
    for index, item in enumerate(data, start=1):
        writer.writerow([_json_cell(item.get(h), f"device {index}, {h}") for h in headers])
    return buffer.getvalue().encode("utf-8")


def import_mdm(
    session: Session,
    clock: Clock,
    content: bytes,
    filename: str,
    *,
    mode: ImportMode,
    actor: str,
    settings: DevicesSettings | None = None,
) -> MdmImportSummary:
    """Load an MDM export and report non-compliant and unregistered devices.

    In JSON files, line N is device N-1 (line 1 is the header of the converted table).
    """
    if not content:
        raise ValidationError("the file is empty", field="file")
    name = filename or "mdm.csv"
    if name.lower().endswith(".json"):
        content, name = json_to_csv(content), name[:-5] + ".csv"
    result = read_table(content, name, MDM_COLUMNS, unique=("device_id",))
    summary: dict[str, str] = {}

    def store(items: list[MdmRowIn]) -> None:
        record = service.store_mdm_rows(session, clock, items, filename=filename, actor=actor)
        summary["id"] = record.id

    outcome = load_rows(result, MdmRowIn, mode, lambda _valid: [], store)
    rows = service.compliance(session, clock, settings)
    noncompliant = sum(1 for r in rows if r.problems and Problem.unregistered not in r.problems)
    unregistered = sum(1 for r in rows if Problem.unregistered in r.problems)
    record = session.get(DevicesMdmImport, summary.get("id", ""))
    if record is not None:
        record.noncompliant = noncompliant
        record.unregistered = unregistered
        session.flush()
    data = outcome.to_dict()
    return MdmImportSummary(
        import_id=summary.get("id", ""),
        total=outcome.total,
        loaded=outcome.loaded,
        noncompliant=noncompliant,
        unregistered=unregistered,
        errors=data["errors"],
    )
