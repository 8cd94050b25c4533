"""Mobile-device register pages (A6.1, A6.2) and the MDM compliance view."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session

from brokerguard.clock import Clock
from brokerguard.devices import service, tables
from brokerguard.devices.registers import DEVICES
from brokerguard.devices.schemas import PROBLEM_LABELS
from brokerguard.errors import BrokerguardError
from brokerguard.registerkit.files import read_upload
from brokerguard.registerkit.pages import add_register_routes
from brokerguard.registerkit.spec import parse_mode
from brokerguard.staff.service import StaffIdentity
from brokerguard.web.deps import AppClock, CurrentStaff, DbSession, require_writer
from brokerguard.web.templating import render

router = APIRouter(include_in_schema=False)


def _compliance_page(
    request: Request,
    session: Session,
    clock: Clock,
    summary: object = None,
    error: BrokerguardError | None = None,
    status_code: int = 200,
) -> Response:
    rows = service.compliance(session, clock)
    return render(
        request,
        "devices/compliance.html",
        {
            "rows": rows,
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
    try:
        content = await read_upload(file)
        summary = tables.import_mdm(
            session,
            clock,
            content,
            file.filename or "",
            mode=parse_mode(mode),
            actor=user.username,
        )
    except BrokerguardError as exc:
        session.rollback()
        return _compliance_page(request, session, clock, error=exc, status_code=422)
    return _compliance_page(request, session, clock, summary=summary)


add_register_routes(router, DEVICES)
