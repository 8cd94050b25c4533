"""Mobile-device register pages (A6.1, A6.2) and the MDM compliance view."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session

from brokerguard.clock import Clock
from brokerguard.devices import service, tables
from brokerguard.devices.registers import DEVICES, OWNERSHIP
from brokerguard.devices.schemas import PROBLEM_LABELS, ComplianceRow, Problem
from brokerguard.errors import BrokerguardError
from brokerguard.registerkit.files import accepted, read_upload_kept
from brokerguard.registerkit.pages import add_register_routes
from brokerguard.registerkit.spec import parse_mode
from brokerguard.staff.service import StaffIdentity
from brokerguard.web.deps import (
    AppClock,
    CurrentStaff,
    DbSession,
    require_writer,
    run_unit_of_work,
)
from brokerguard.web.tables import TableSpec, table_page
from brokerguard.web.templating import render

router = APIRouter(include_in_schema=False)


def _unit(row: ComplianceRow) -> str:
    return row.registered.unit if row.registered else ""


def _ownership(row: ComplianceRow) -> str:
    return row.registered.ownership if row.registered else ""


def compliance_table(rows: list[ComplianceRow]) -> TableSpec[ComplianceRow]:
    """Search, filters and sorts of the MDM compliance list (state in the URL)."""
    return TableSpec(
        search=lambda r: " ".join(
            (
                r.device_id,
                r.registered.holder if r.registered else "",
                _unit(r),
                r.mdm.os_version if r.mdm else "",
                *(word for p in r.problems for word in PROBLEM_LABELS[p]),
            )
        ),
        sorts={
            "device_id": lambda r: r.device_id,
            "holder": lambda r: (r.registered.holder if r.registered else "").casefold(),
            "unit": lambda r: _unit(r).casefold(),
            "checkin": lambda r: r.mdm.last_checkin if r.mdm else None,
            "problems": lambda r: len(r.problems),
        },
        default_sort="-problems",
        filters={
            "compliance": (("compliant", "noncompliant"), _compliance_of),
            "problem": (tuple(p.value for p in Problem), lambda r: [p.value for p in r.problems]),
            "ownership": (tuple(OWNERSHIP), _ownership),
            "unit": (tuple(sorted({_unit(r) for r in rows if _unit(r)})), _unit),
        },
    )


def _compliance_of(row: ComplianceRow) -> str:
    return "compliant" if row.compliant else "noncompliant"


def _compliance_page(
    request: Request,
    session: Session,
    clock: Clock,
    summary: object = None,
    error: BrokerguardError | None = None,
    status_code: int = 200,
) -> Response:
    rows = service.compliance(session, clock)
    spec = compliance_table(rows)
    return render(
        request,
        "devices/compliance.html",
        {
            "t": table_page(request.query_params, spec, rows),
            "unit_options": [(u, u, "data") for u in spec.filters["unit"][0]],
            "ownership": OWNERSHIP,
            "labels": {p.value: v for p, v in PROBLEM_LABELS.items()},
            "summary": summary,
            "error": error,
            "row_errors": getattr(error, "errors", None),
        },
        status_code=status_code,
    )


@router.get("/devices")
def compliance_page(
    request: Request, session: DbSession, clock: AppClock, user: CurrentStaff
) -> Response:
    return _compliance_page(request, session, clock)


@router.post("/devices/mdm")
async def upload_mdm(
    request: Request,
    session: DbSession,
    clock: AppClock,
    user: Annotated[StaffIdentity, Depends(require_writer())],
    file: Annotated[UploadFile, File()],
    mode: Annotated[str, Form(max_length=32)] = "all_or_nothing",
) -> Response:
    read = await read_upload_kept(file)
    filename = file.filename or ""

    def load() -> Response:
        """The import and the page, in one trip to the thread pool."""
        try:
            summary = tables.import_mdm(
                session, clock, accepted(read), filename, mode=parse_mode(mode), actor=user.username
            )
        except BrokerguardError as exc:
            session.rollback()
            return _compliance_page(request, session, clock, error=exc, status_code=422)
        return _compliance_page(request, session, clock, summary=summary)

    return await run_unit_of_work(session, load)


add_register_routes(router, DEVICES)
