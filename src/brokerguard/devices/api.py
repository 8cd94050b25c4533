"""JSON API of the mobile-device register (A6.1, A6.2) and MDM imports."""

from __future__ import annotations

from fastapi import APIRouter

from brokerguard.devices import service, tables
from brokerguard.devices.registers import DEVICES
from brokerguard.devices.schemas import (
    ComplianceRow,
    DeviceIn,
    DeviceRecord,
    DeviceStatus,
    MdmImportSummary,
    Ownership,
)
from brokerguard.inputs import QueryBool
from brokerguard.registerkit.files import read_upload
from brokerguard.registerkit.pages import Upload, UploadMode, Writer, add_table_api
from brokerguard.registerkit.spec import parse_mode
from brokerguard.web.deps import AppClock, AppSettings, CurrentStaff, DbSession, run_unit_of_work

router = APIRouter(prefix="/api/v1/devices", tags=["devices"])


@router.get("")
def list_devices(
    session: DbSession,
    user: CurrentStaff,
    ownership: Ownership | None = None,
    status: DeviceStatus | None = None,
) -> list[DeviceRecord]:
    return service.list_devices(session, ownership=ownership, status=status)


@router.post("", status_code=201)
def register_device(
    data: DeviceIn, session: DbSession, clock: AppClock, user: Writer
) -> DeviceRecord:
    return service.register_device(session, clock, data, actor=user.username)


add_table_api(router, "", DEVICES)


@router.post("/mdm")
async def import_mdm(
    session: DbSession,
    clock: AppClock,
    user: Writer,
    file: Upload,
    settings: AppSettings,
    mode: UploadMode = "all_or_nothing",
) -> MdmImportSummary:
    content = await read_upload(file)
    filename = file.filename or ""
    return await run_unit_of_work(
        session,
        lambda: tables.import_mdm(
            session,
            clock,
            content,
            filename,
            mode=parse_mode(mode),
            actor=user.username,
            settings=settings.devices,
        ),
    )


@router.get("/compliance")
def compliance(
    session: DbSession,
    clock: AppClock,
    user: CurrentStaff,
    settings: AppSettings,
    only_problems: QueryBool = False,
) -> list[ComplianceRow]:
    rows = service.compliance(session, clock, settings.devices)
    return [r for r in rows if r.problems] if only_problems else rows


@router.get("/{record_id}")
def get_device(record_id: str, session: DbSession, user: CurrentStaff) -> DeviceRecord:
    return service.get_device(session, record_id)


@router.put("/{record_id}")
def update_device(
    record_id: str, data: DeviceIn, session: DbSession, clock: AppClock, user: Writer
) -> DeviceRecord:
    return service.update_device(session, clock, record_id, data)
