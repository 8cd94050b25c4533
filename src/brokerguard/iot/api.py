"""JSON API of the IoT register (Art. 7)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import ConfigDict, Field

from brokerguard.inputs import InputModel, QueryBool
from brokerguard.iot import scans, service
from brokerguard.iot.registers import ASSESSMENTS, ASSETS, EXCEPTIONS, VENDORS
from brokerguard.iot.schemas import (
    AssessmentIn,
    AssessmentRecord,
    AssetIn,
    AssetRecord,
    AssetStatus,
    DeviceType,
    ExceptionIn,
    ExceptionRecord,
    ScanHostRecord,
    ScanRecord,
    VendorIn,
    VendorRecord,
)
from brokerguard.registerkit.files import read_upload
from brokerguard.registerkit.pages import Upload, Writer, add_table_api
from brokerguard.staff.roles import Role
from brokerguard.staff.service import StaffIdentity
from brokerguard.textpolicy import MultilineText
from brokerguard.web.deps import (
    AppClock,
    AppSettings,
    CurrentStaff,
    DbSession,
    require_roles,
    run_unit_of_work,
)

router = APIRouter(prefix="/api/v1/iot", tags=["iot"])
Decider = Annotated[StaffIdentity, Depends(require_roles(Role.security, Role.compliance))]


class DismissIn(InputModel):
    model_config = ConfigDict(extra="forbid")
    reason: MultilineText = Field(min_length=1, max_length=2000)


# --- assets ---------------------------------------------------------------------------------


@router.get("/assets")
def list_assets(
    session: DbSession,
    user: CurrentStaff,
    status: AssetStatus | None = None,
    device_type: DeviceType | None = None,
) -> list[AssetRecord]:
    return service.list_assets(session, status=status, device_type=device_type)


@router.post("/assets", status_code=201)
def create_asset(data: AssetIn, session: DbSession, clock: AppClock, user: Writer) -> AssetRecord:
    return service.create_asset(session, clock, data, actor=user.username)


add_table_api(router, "/assets", ASSETS)


@router.get("/assets/{asset_id}")
def get_asset(asset_id: str, session: DbSession, user: CurrentStaff) -> AssetRecord:
    return service.get_asset(session, asset_id)


@router.put("/assets/{asset_id}")
def update_asset(
    asset_id: str, data: AssetIn, session: DbSession, clock: AppClock, user: Writer
) -> AssetRecord:
    return service.update_asset(session, clock, asset_id, data)


# --- vendors --------------------------------------------------------------------------------


@router.get("/vendors")
def list_vendors(session: DbSession, user: CurrentStaff) -> list[VendorRecord]:
    return service.list_vendors(session)


@router.post("/vendors", status_code=201)
def create_vendor(
    data: VendorIn, session: DbSession, clock: AppClock, user: Writer
) -> VendorRecord:
    return service.create_vendor(session, clock, data)


add_table_api(router, "/vendors", VENDORS)


@router.put("/vendors/{vendor_id}")
def update_vendor(
    vendor_id: str, data: VendorIn, session: DbSession, clock: AppClock, user: Writer
) -> VendorRecord:
    return service.update_vendor(session, clock, vendor_id, data)


# --- assessments ----------------------------------------------------------------------------


@router.get("/assessments")
def list_assessments(
    session: DbSession, user: CurrentStaff, asset_id: str | None = None
) -> list[AssessmentRecord]:
    return service.list_assessments(session, asset_id)


@router.post("/assessments", status_code=201)
def record_assessment(
    data: AssessmentIn,
    session: DbSession,
    clock: AppClock,
    user: Writer,
    settings: AppSettings,
) -> AssessmentRecord:
    return service.record_assessment(session, clock, data, settings=settings.iot)


add_table_api(router, "/assessments", ASSESSMENTS)


# --- exceptions -----------------------------------------------------------------------------


@router.get("/exceptions")
def list_exceptions(session: DbSession, user: CurrentStaff) -> list[ExceptionRecord]:
    return service.list_exceptions(session)


@router.post("/exceptions", status_code=201)
def request_exception(
    data: ExceptionIn, session: DbSession, clock: AppClock, user: Writer
) -> ExceptionRecord:
    return service.request_exception(session, clock, data, requested_by=user.username)


add_table_api(router, "/exceptions", EXCEPTIONS)


@router.post("/exceptions/{exception_id}/approve")
def approve_exception(
    exception_id: str, session: DbSession, clock: AppClock, user: Decider
) -> ExceptionRecord:
    return service.decide_exception(
        session, clock, exception_id, approver=user.username, approve=True
    )


@router.post("/exceptions/{exception_id}/reject")
def reject_exception(
    exception_id: str, session: DbSession, clock: AppClock, user: Decider
) -> ExceptionRecord:
    return service.decide_exception(
        session, clock, exception_id, approver=user.username, approve=False
    )


@router.post("/exceptions/{exception_id}/close")
def close_exception(exception_id: str, session: DbSession, user: Decider) -> ExceptionRecord:
    return service.close_exception(session, exception_id)


# --- nmap scans -----------------------------------------------------------------------------


@router.get("/scans")
def list_scans(session: DbSession, user: CurrentStaff) -> list[ScanRecord]:
    return scans.list_scans(session)


@router.post("/scans", status_code=201)
async def import_scan(
    session: DbSession,
    clock: AppClock,
    user: Writer,
    file: Upload,
    settings: AppSettings,
) -> ScanRecord:
    config = settings.iot
    content = await read_upload(file, config.nmap_max_bytes)
    filename = file.filename or ""
    return await run_unit_of_work(
        session,
        lambda: scans.import_scan(
            session, clock, content, filename=filename, imported_by=user.username, settings=config
        ),
    )


@router.get("/scans/{scan_id}/hosts")
def scan_hosts(
    scan_id: str, session: DbSession, user: CurrentStaff, unregistered: QueryBool = False
) -> list[ScanHostRecord]:
    return scans.scan_hosts(session, scan_id, unregistered_only=unregistered)


@router.post("/scans/hosts/{host_id}/dismiss")
def dismiss_host(host_id: str, data: DismissIn, session: DbSession, user: Writer) -> ScanHostRecord:
    return scans.dismiss_host(session, host_id, reason=data.reason)
