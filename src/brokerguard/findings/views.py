"""Findings pages (缺失改善追蹤): list, raise, from a failed check, plan, close, import, export."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from brokerguard.assessment.registry import Status
from brokerguard.clock import Clock, parse_date, today
from brokerguard.errors import BrokerguardError, ValidationError
from brokerguard.findings import intake, service
from brokerguard.findings.registers import FINDINGS, SEVERITIES
from brokerguard.findings.schemas import FindingRecord, FindingStatus, Severity
from brokerguard.registerkit.files import read_upload
from brokerguard.registerkit.pages import add_register_routes, file_response
from brokerguard.rulebook.model import sort_key
from brokerguard.staff.service import StaffIdentity
from brokerguard.web.deps import (
    AppClock,
    AppSettings,
    CurrentStaff,
    DbSession,
    require_writer,
    run_unit_of_work,
)
from brokerguard.web.tables import TableSpec, table_page
from brokerguard.web.templating import render

router = APIRouter(include_in_schema=False)
Writer = Annotated[StaffIdentity, Depends(require_writer())]

add_register_routes(router, FINDINGS)  # before /findings/{finding_id}, so /findings/new wins


SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3}
STATUS_ORDER = {"open": 0, "in_progress": 1, "closed": 2}
MAX_BULK = 500
FINDING_TABLE: TableSpec[FindingRecord] = TableSpec(
    search=lambda f: " ".join((f.requirement_id, f.title, f.owner or "", f.source_ref)),
    sorts={
        "requirement": lambda f: f.requirement_id,
        "severity": lambda f: SEVERITY_ORDER.get(f.severity.value, 9),
        "owner": lambda f: f.owner or None,
        "due_date": lambda f: f.due_date,
        "status": lambda f: STATUS_ORDER.get(f.status.value, 9),
    },
    default_sort="due_date",
    filters={
        "status": (tuple(s.value for s in FindingStatus), lambda f: f.status.value),
        "severity": (tuple(s.value for s in Severity), lambda f: f.severity.value),
    },
)
#: what a refused assignment tells the user, by the field at fault (catalogue msgids)
ASSIGN_REFUSALS = {
    "finding_ids": "Choose at least one finding.",
    "owner": "Name the owner (at most 128 characters).",
    "due_date": "The due date is not a date (2026-12-31 or 115/12/31).",
    "status": "A closed finding cannot be assigned. Nothing was saved.",
    "finding_id": "A finding was not found; the list has changed. Nothing was saved.",
}


def _list_page(
    request: Request,
    session: Session,
    clock: Clock,
    *,
    overdue: bool,
    error: BrokerguardError | None = None,
    form: dict[str, Any] | None = None,
) -> Response:
    day = today(clock)
    rows = intake.search_findings(session, day, overdue_only=overdue)
    context = {
        "t": table_page(request.query_params, FINDING_TABLE, rows),
        "today": day,
        "overdue": overdue,
        "error": ASSIGN_REFUSALS.get(error.field or "", "Nothing was saved.") if error else None,
        "form": form or {},
    }
    return render(request, "findings/list.html", context, status_code=422 if error else 200)


@router.get("/findings")
def findings_page(
    request: Request,
    session: DbSession,
    clock: AppClock,
    user: CurrentStaff,
    overdue: bool = False,
) -> Response:
    return _list_page(request, session, clock, overdue=overdue)


@router.post("/findings/assign")
def assign_findings(
    request: Request,
    session: DbSession,
    clock: AppClock,
    user: Writer,
    finding_ids: Annotated[list[str], Form(max_length=MAX_BULK)] = [],  # noqa: B006
    owner: Annotated[str, Form(max_length=256)] = "",
    due_date: Annotated[str, Form(max_length=32)] = "",
    back: Annotated[str, Form(max_length=2048)] = "",
) -> Response:
    """Assign an owner (and a due date) to the chosen findings: all of them or none."""
    form = {"finding_ids": finding_ids, "owner": owner, "due_date": due_date}
    try:
        if not finding_ids:
            raise ValidationError("choose at least one finding", field="finding_ids")
        try:
            due = parse_date(due_date) if due_date.strip() else None
        except ValueError as exc:
            raise ValidationError(str(exc), field="due_date") from None
        for finding_id in dict.fromkeys(finding_ids):
            service.assign_owner(session, finding_id, owner=owner, due_date=due)
    except BrokerguardError as error:
        session.rollback()
        return _list_page(request, session, clock, overdue=False, error=error, form=form)
    query = back if back.startswith("?") else ""
    return RedirectResponse("/findings" + query, status_code=303)


@router.get("/findings/export.{fmt}")
def export_page(fmt: str, session: DbSession, clock: AppClock, user: CurrentStaff) -> Response:
    if fmt not in ("csv", "xlsx"):
        raise ValidationError("format must be csv or xlsx", field="format")
    return file_response(intake.export_findings(session, fmt, today(clock)), "findings", fmt)


#: the failed checks of the latest full run, as the from-check list shows them
CHECK_TABLE: TableSpec[dict[str, Any]] = TableSpec(
    search=lambda c: " ".join(
        (
            c["check_id"],
            c["title_zh"],
            c["title_en"],
            c["reason_zh"],
            c["reason_en"],
            *c["requirement_ids"],
        )
    ),
    sorts={
        "check": lambda c: c["check_id"],
        "requirement": lambda c: (sort_key(c["requirement_ids"][0]), c["check_id"]),
    },
    default_sort="requirement",
    filters={"status": (("fail", "error"), lambda c: c["status"])},
    per_page=50,
)
#: what a refused "raise findings" tells the user, by the field at fault (catalogue msgids)
RAISE_REFUSALS = {
    "check_ids": "Choose at least one failed check.",
    "check_id": "A chosen check is no longer failing in the latest run; the list has changed. "
    "Nothing was saved.",
    "requirement_id": "The check does not prove that requirement. Nothing was saved.",
    "owner": "Name the owner (at most 128 characters).",
    "due_date": "The due date is not a date (2026-12-31 or 115/12/31).",
    "severity": "Choose a severity: low, medium, high or critical.",
}


def _from_check_page(
    request: Request,
    session: Session,
    *,
    error: BrokerguardError | None = None,
    form: dict[str, Any] | None = None,
) -> Response:
    context = {
        "t": table_page(request.query_params, CHECK_TABLE, intake.failed_checks(session)),
        "error": RAISE_REFUSALS.get(error.field or "", "Nothing was saved.") if error else None,
        "form": form or {},
        "severities": SEVERITIES,
        "status_labels": {s.value: (s.label_zh, s.label_en) for s in (Status.failed, Status.error)},
    }
    return render(request, "findings/from_check.html", context, status_code=422 if error else 200)


@router.get("/findings/from-check")
def from_check_page(request: Request, session: DbSession, user: CurrentStaff) -> Response:
    return _from_check_page(request, session)


@router.post("/findings/from-check")
def from_check(
    request: Request,
    session: DbSession,
    clock: AppClock,
    user: Writer,
    check_ids: Annotated[list[str], Form(max_length=MAX_BULK)] = [],  # noqa: B006
    check_id: Annotated[str, Form(max_length=128)] = "",
    requirement_id: Annotated[str, Form(max_length=32)] = "",
    owner: Annotated[str, Form(max_length=256)] = "",
    due_date: Annotated[str, Form(max_length=32)] = "",
    severity: Annotated[str, Form(max_length=16)] = "medium",
) -> Response:
    """Raise a finding for each chosen failed check, all of them or none; a check whose
    finding is still open keeps that finding (``check_id``: one check, as the API names it)."""
    chosen = [*check_ids, check_id] if check_id else check_ids
    form = {"check_ids": chosen, "owner": owner, "due_date": due_date, "severity": severity}
    try:
        records = intake.findings_from_check_form(
            session,
            clock,
            chosen,
            requirement_id=requirement_id,
            owner=owner,
            due_date=due_date,
            severity=severity,
        )
    except BrokerguardError as error:
        session.rollback()
        return _from_check_page(request, session, error=error, form=form)
    if len(records) == 1:
        return RedirectResponse(f"/findings/{records[0].id}", status_code=303)
    return RedirectResponse("/findings?status=open&sort=requirement", status_code=303)


def _detail(
    request: Request, session: Session, finding_id: str, error: Any = None, status_code: int = 200
) -> Response:
    finding = service.get_finding(session, finding_id)
    return render(
        request,
        "findings/detail.html",
        {"finding": finding, "error": error},
        status_code=status_code,
    )


@router.get("/findings/{finding_id}")
def detail_page(
    request: Request, finding_id: str, session: DbSession, user: CurrentStaff
) -> Response:
    return _detail(request, session, finding_id)


@router.post("/findings/{finding_id}/plan")
def plan(
    request: Request,
    finding_id: str,
    session: DbSession,
    user: Writer,
    plan: Annotated[str, Form(max_length=8000)] = "",
    owner: Annotated[str, Form(max_length=128)] = "",
    due_date: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    try:
        if not plan.strip():
            raise ValidationError("describe the improvement plan", field="plan")
        try:
            due = parse_date(due_date) if due_date.strip() else None
        except ValueError as exc:
            raise ValidationError(str(exc), field="due_date") from None
        service.update_plan(
            session, finding_id, plan=plan.strip(), owner=owner or None, due_date=due
        )
    except BrokerguardError as exc:
        return _detail(request, session, finding_id, exc, 422)
    return RedirectResponse(f"/findings/{finding_id}", status_code=303)


@router.post("/findings/{finding_id}/close")
async def close(
    request: Request,
    finding_id: str,
    session: DbSession,
    clock: AppClock,
    settings: AppSettings,
    user: Writer,
    note: Annotated[str, Form(max_length=8000)] = "",
    closing_evidence: Annotated[str, Form(max_length=255)] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Close the finding (storing its closing file first when one is sent). Only the file
    is read on the event loop; the database work and the page run in the thread pool."""
    content: bytes | None = None
    unread: BrokerguardError | None = None
    filename = file.filename if file is not None and file.filename else ""
    if file is not None and filename:
        try:
            content = await read_upload(file, settings.upload_max_bytes)
        except BrokerguardError as exc:
            unread = exc

    def work() -> Response:
        try:
            if unread is not None:
                raise unread
            if content is not None:
                intake.close_with_file(
                    session,
                    clock,
                    settings,
                    finding_id,
                    closed_by=user.username,
                    note=note,
                    content=content,
                    filename=filename,
                )
            else:
                service.close_finding(
                    session,
                    clock,
                    finding_id,
                    closed_by=user.username,
                    note=note,
                    closing_evidence=intake.check_evidence_reference(closing_evidence),
                )
        except BrokerguardError as exc:
            session.rollback()
            return _detail(request, session, finding_id, exc, 422)
        return RedirectResponse(f"/findings/{finding_id}", status_code=303)

    return await run_unit_of_work(session, work)
