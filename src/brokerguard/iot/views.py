"""IoT register pages: assets, vendors, assessments, exceptions, nmap scans."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from brokerguard.clock import Clock, today
from brokerguard.errors import BrokerguardError, ValidationError
from brokerguard.iot import scans, service, tables
from brokerguard.iot.schemas import (
    DEVICE_TYPE_LABELS,
    EXCEPTION_CONTROLS,
    AssessmentIn,
    AssetIn,
    ExceptionIn,
    VendorIn,
)
from brokerguard.registerkit.files import read_upload
from brokerguard.registerkit.pages import FormField, ListColumn, RegisterSpec, add_register_routes
from brokerguard.staff.roles import Role
from brokerguard.staff.service import StaffIdentity
from brokerguard.tabular import ImportMode
from brokerguard.web.deps import (
    AppClock,
    AppSettings,
    CurrentStaff,
    DbSession,
    require_roles,
    require_writer,
)
from brokerguard.web.templating import render

router = APIRouter(include_in_schema=False)

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
    path="/iot/assets",
    title="IoT devices",
    model=AssetIn,
    fields=ASSET_FIELDS,
    columns=(
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
    export_name="iot-assets",
    links=LINKS[1:],
    detail_link=True,
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
    path="/iot/vendors",
    title="IoT vendors",
    model=VendorIn,
    fields=VENDOR_FIELDS,
    columns=(
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
    export_name="iot-vendors",
    links=LINKS,
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
    path="/iot/assessments",
    title="IoT assessments",
    model=AssessmentIn,
    fields=ASSESSMENT_FIELDS,
    columns=(
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
    export_name="iot-assessments",
    import_help="Sensors without management functions may leave the first three controls empty.",
    links=LINKS,
)

EXCEPTION_FIELDS = (
    FormField("asset_tag", "Asset tag", required=True),
    FormField("control", "Control", "choice", True, tuple((c, c, c) for c in EXCEPTION_CONTROLS)),
    FormField("reason", "Reason", "textarea", True),
    FormField("compensating_controls", "Compensating controls", "textarea", True),
    FormField("expires_on", "Expires on", "date", True),
)


def _exception_rows(session: Session) -> list[dict[str, Any]]:
    return service.with_asset_tags(session, service.list_exceptions(session))


EXCEPTIONS: RegisterSpec[ExceptionIn] = RegisterSpec(
    path="/iot/exceptions",
    title="IoT exceptions",
    model=ExceptionIn,
    fields=EXCEPTION_FIELDS,
    columns=(),
    list_rows=_exception_rows,  # type: ignore[arg-type]
    create=lambda session, clock, data, actor: service.request_exception(
        session, clock, data, requested_by=actor
    ),
    export=tables.export_exceptions,
    export_name="iot-exceptions",
    links=LINKS,
    own_list_page=True,
)


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
        {"spec": EXCEPTIONS, "rows": _exception_rows(session), "today": today(clock)},
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
    try:
        content = await read_upload(file, config.nmap_max_bytes)
        scans.import_scan(
            session,
            clock,
            content,
            filename=file.filename or "",
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
