"""JSON API of login monitoring (``/api/v1/detect``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import Field

from brokerguard.audit.web import record_customer_read
from brokerguard.detect import reports, service
from brokerguard.detect.models import DetectAlert
from brokerguard.detect.schemas import AlertListOut, AlertOut, DetectionRunOut, DetectReportOut
from brokerguard.inputs import InputModel
from brokerguard.staff.roles import Role
from brokerguard.staff.service import StaffIdentity
from brokerguard.textpolicy import MultilineText
from brokerguard.web.deps import AppAuditSink, AppClock, AppSettings, DbSession, require_roles

router = APIRouter(prefix="/api/v1/detect", tags=["detect"])
Reader = Annotated[
    StaffIdentity, Depends(require_roles(Role.security, Role.compliance, Role.auditor))
]
Analyst = Annotated[StaffIdentity, Depends(require_roles(Role.security))]


def alert_dict(alert: DetectAlert) -> dict[str, Any]:
    return {
        "id": alert.id,
        "rule_id": alert.rule_id,
        "severity": alert.severity,
        "status": alert.status,
        "group_key": alert.group_key,
        "title": alert.title,
        "first_seen": alert.first_seen.isoformat(),
        "last_seen": alert.last_seen.isoformat(),
        "event_count": alert.event_count,
        "first_seq": alert.first_seq,
        "last_seq": alert.last_seq,
        "close_reason": alert.close_reason,
        "note": alert.note,
    }


@router.get("/alerts", response_model=AlertListOut)
def alerts(
    request: Request,
    session: DbSession,
    clock: AppClock,
    sink: AppAuditSink,
    staff: Reader,
    status: Annotated[str | None, Query(max_length=16)] = None,
) -> dict[str, Any]:
    """The alerts (accounts and source IPs of customers' logins): an audited read (A9.9)."""
    rows = service.list_alerts(session, status=status)
    listed = [alert_dict(a) for a in rows]
    record_customer_read(
        sink,
        request,
        clock,
        actor=staff.username,
        function="detect.alerts.list",
        customer_ids=service.alert_accounts(rows),
        result=repr(listed).encode(),
    )
    return {"alerts": listed}


class TriageBody(InputModel):
    note: MultilineText = Field(default="", max_length=4000)


class CloseBody(InputModel):
    reason: str = Field(max_length=32)
    note: MultilineText = Field(default="", max_length=4000)


@router.post("/alerts/{alert_id}/triage", response_model=AlertOut)
def triage(
    alert_id: str, body: TriageBody, session: DbSession, clock: AppClock, staff: Analyst
) -> dict[str, Any]:
    return alert_dict(service.triage(session, clock, alert_id, staff.username, body.note))


@router.post("/alerts/{alert_id}/close", response_model=AlertOut)
def close(
    alert_id: str, body: CloseBody, session: DbSession, clock: AppClock, staff: Analyst
) -> dict[str, Any]:
    return alert_dict(
        service.close(session, clock, alert_id, staff.username, body.reason, body.note)
    )


@router.post("/run")
def run(session: DbSession, clock: AppClock, _: Analyst) -> DetectionRunOut:
    return DetectionRunOut.model_validate(vars(service.run_detection(session, clock)))


class ReportBody(InputModel):
    kind: str = Field(max_length=16)
    period: str | None = Field(default=None, max_length=10)


@router.post("/reports")
def report(
    body: ReportBody, session: DbSession, clock: AppClock, settings: AppSettings, staff: Analyst
) -> DetectReportOut:
    made = reports.generate_report(
        session, clock, settings, kind=body.kind, period=body.period, created_by=staff.username
    )
    return DetectReportOut(kind=made.kind, period=made.period, evidence=made.evidence_ref)
