"""IoT register pages: assets, vendors, assessments, exceptions, nmap scans."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from brokerguard.clock import today
from brokerguard.errors import BrokerguardError, ValidationError
from brokerguard.iot import scans, service
from brokerguard.iot.registers import (
    ASSESSMENTS,
    ASSETS,
    EXCEPTIONS,
    VENDORS,
    exception_rows,
)
from brokerguard.iot.schemas import (
    DEVICE_TYPE_LABELS,
)
from brokerguard.registerkit.files import accepted, read_upload_kept
from brokerguard.registerkit.pages import add_register_routes
from brokerguard.staff.roles import Role
from brokerguard.staff.service import StaffIdentity
from brokerguard.web.deps import (
    AppClock,
    AppSettings,
    CurrentStaff,
    DbSession,
    require_roles,
    require_writer,
    run_unit_of_work,
)
from brokerguard.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/iot")
def iot_home() -> RedirectResponse:
    return RedirectResponse("/iot/assets", status_code=303)


add_register_routes(router, ASSETS)  # first, so /iot/assets/new is not taken for an ID


@router.get("/iot/assets/{asset_id}")
def asset_page(
    request: Request, asset_id: str, session: DbSession, clock: AppClock, user: CurrentStaff
) -> Response:
    """One device: its fields, its assessment history and its exceptions."""
    asset = service.get_asset(session, asset_id)
    exceptions = [e for e in service.list_exceptions(session) if e.asset_id == asset_id]
    return render(
        request,
        "iot/asset.html",
        {
            "asset": asset,
            "type_label": DEVICE_TYPE_LABELS[asset.device_type],
            "assessments": service.list_assessments(session, asset_id),
            "exceptions": exceptions,
            "today": today(clock),
        },
    )


@router.get("/iot/exceptions")
def exceptions_page(
    request: Request, session: DbSession, clock: AppClock, user: CurrentStaff
) -> Response:
    return render(
        request,
        "iot/exceptions.html",
        {"spec": EXCEPTIONS, "rows": exception_rows(session), "today": today(clock)},
    )


@router.post("/iot/exceptions/{exception_id}/decide")
def decide_exception(
    exception_id: str,
    session: DbSession,
    clock: AppClock,
    user: Annotated[StaffIdentity, Depends(require_roles(Role.security, Role.compliance))],
    decision: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    if decision not in ("approve", "reject", "close"):
        raise ValidationError("decision must be approve, reject or close", field="decision")
    if decision == "close":
        service.close_exception(session, exception_id)
    else:
        service.decide_exception(
            session, clock, exception_id, approver=user.username, approve=decision == "approve"
        )
    return RedirectResponse("/iot/exceptions", status_code=303)


@router.get("/iot/scans")
def scans_page(request: Request, session: DbSession, user: CurrentStaff) -> Response:
    latest = scans.latest_scan(session)
    hosts = scans.open_unregistered(session, latest.id) if latest else []
    return render(
        request,
        "iot/scans.html",
        {"scans": scans.list_scans(session), "latest": latest, "hosts": hosts, "error": None},
    )


@router.post("/iot/scans")
async def upload_scan(
    request: Request,
    session: DbSession,
    clock: AppClock,
    user: Annotated[StaffIdentity, Depends(require_writer())],
    file: Annotated[UploadFile, File()],
    settings: AppSettings,
) -> Response:
    config = settings.iot
    read = await read_upload_kept(file, config.nmap_max_bytes)
    filename = file.filename or ""

    def load() -> Response:
        """The scan and its refusal page, in one trip to the thread pool."""
        try:
            scans.import_scan(
                session,
                clock,
                accepted(read),
                filename=filename,
                imported_by=user.username,
                settings=config,
            )
        except BrokerguardError as exc:
            latest = scans.latest_scan(session)
            context = {
                "scans": scans.list_scans(session),
                "latest": latest,
                "hosts": scans.open_unregistered(session, latest.id) if latest else [],
                "error": exc,
            }
            return render(request, "iot/scans.html", context, status_code=422)
        return RedirectResponse("/iot/scans", status_code=303)

    return await run_unit_of_work(session, load)


@router.post("/iot/scans/hosts/{host_id}/dismiss")
def dismiss_host(
    host_id: str,
    session: DbSession,
    user: Annotated[StaffIdentity, Depends(require_writer())],
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    scans.dismiss_host(session, host_id, reason=reason)
    return RedirectResponse("/iot/scans", status_code=303)


add_register_routes(router, VENDORS)
add_register_routes(router, ASSESSMENTS)
add_register_routes(router, EXCEPTIONS)
