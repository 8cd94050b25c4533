"""JSON API of findings tracking (缺失改善追蹤)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query
from fastapi.responses import Response

from brokerguard.clock import today
from brokerguard.findings import intake, service
from brokerguard.findings.forms import CloseIn, FindingIn, FromCheckIn, PlanIn
from brokerguard.findings.registers import FINDINGS
from brokerguard.findings.schemas import FailedCheckOut, FindingRecord, FindingStatus
from brokerguard.inputs import QueryBool
from brokerguard.registerkit.files import read_upload
from brokerguard.registerkit.pages import ExportFormat, Upload, Writer, add_table_api, file_response
from brokerguard.web.deps import (
    AppClock,
    AppSettings,
    CurrentStaff,
    DbSession,
    run_unit_of_work,
)

router = APIRouter(prefix="/api/v1/findings", tags=["findings"])


@router.get("")
def list_findings(
    session: DbSession,
    clock: AppClock,
    user: CurrentStaff,
    status: FindingStatus | None = None,
    overdue: QueryBool = False,
    requirement_id: Annotated[str | None, Query(max_length=32)] = None,
) -> list[FindingRecord]:
    return intake.search_findings(
        session, today(clock), status=status, overdue_only=overdue, requirement_id=requirement_id
    )


@router.get("/overdue")
def overdue_findings(
    session: DbSession, clock: AppClock, user: CurrentStaff
) -> list[FindingRecord]:
    """Open findings past their due date (shown on the dashboard)."""
    return service.overdue(session, today(clock))


@router.post("", status_code=201)
def create_finding(
    data: FindingIn, session: DbSession, clock: AppClock, user: Writer
) -> FindingRecord:
    return intake.open_from_input(session, clock, data)


@router.get("/failed-checks", response_model=list[FailedCheckOut])
def failed_checks(session: DbSession, user: CurrentStaff) -> list[dict[str, Any]]:
    """Failed checks of the latest full assessment run: candidates for a finding."""
    return intake.failed_checks(session)


@router.post("/from-check", status_code=201)
def from_check(
    data: FromCheckIn, session: DbSession, clock: AppClock, user: Writer
) -> FindingRecord:
    return intake.finding_from_check(
        session,
        clock,
        check_id=data.check_id,
        requirement_id=data.requirement_id,
        owner=data.owner,
        due_date=data.due_date,
        severity=data.severity.value,
    )


@router.get("/export")
def export_findings(
    session: DbSession,
    clock: AppClock,
    user: CurrentStaff,
    format: ExportFormat = "csv",
) -> Response:
    return file_response(intake.export_findings(session, format, today(clock)), "findings", format)


add_table_api(router, "", FINDINGS)


@router.get("/{finding_id}")
def get_finding(finding_id: str, session: DbSession, user: CurrentStaff) -> FindingRecord:
    return service.get_finding(session, finding_id)


@router.post("/{finding_id}/plan")
def plan_finding(finding_id: str, data: PlanIn, session: DbSession, user: Writer) -> FindingRecord:
    return service.update_plan(
        session, finding_id, plan=data.plan, owner=data.owner, due_date=data.due_date
    )


@router.post("/{finding_id}/close")
def close_finding(
    finding_id: str, data: CloseIn, session: DbSession, clock: AppClock, user: Writer
) -> FindingRecord:
    return service.close_finding(
        session,
        clock,
        finding_id,
        closed_by=user.username,
        note=data.note,
        closing_evidence=intake.check_evidence_reference(data.closing_evidence),
    )


@router.post("/{finding_id}/close-with-file")
async def close_with_file(
    finding_id: str,
    session: DbSession,
    clock: AppClock,
    settings: AppSettings,
    user: Writer,
    file: Upload,
    note: Annotated[str, Form(max_length=8000)] = "",
) -> FindingRecord:
    content = await read_upload(file, settings.upload_max_bytes)
    filename = file.filename or ""
    return await run_unit_of_work(
        session,
        lambda: intake.close_with_file(
            session,
            clock,
            settings,
            finding_id,
            closed_by=user.username,
            note=note,
            content=content,
            filename=filename,
        ),
    )
