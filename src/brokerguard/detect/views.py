"""Login-monitoring pages (登入監控): alerts with triage and close, latest reports."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from brokerguard.detect import reports, service
from brokerguard.errors import ValidationError
from brokerguard.staff.roles import Role
from brokerguard.staff.service import StaffIdentity
from brokerguard.web.deps import AppClock, DbSession, require_roles
from brokerguard.web.templating import render

router = APIRouter(include_in_schema=False)
Reader = Annotated[
    StaffIdentity, Depends(require_roles(Role.security, Role.compliance, Role.auditor))
]
Analyst = Annotated[StaffIdentity, Depends(require_roles(Role.security))]


def _page(request: Request, session: DbSession, error: str | None = None) -> Response:
    context = {
        "alerts": service.list_alerts(session, limit=200),
        "reasons": service.CLOSE_REASONS,
        "daily": reports.latest_report(session, "daily"),
        "monthly": reports.latest_report(session, "monthly"),
        "run": service.last_run(session),
        "error": error,
    }
    return render(request, "detect/alerts.html", context, status_code=422 if error else 200)


@router.get("/detect")
def detect_page(request: Request, session: DbSession, _: Reader) -> Response:
    return _page(request, session)


@router.post("/detect/alerts/{alert_id}")
def alert_action(
    request: Request,
    alert_id: str,
    session: DbSession,
    clock: AppClock,
    staff: Analyst,
    action: Annotated[str, Form(max_length=16)] = "",
    reason: Annotated[str, Form(max_length=32)] = "",
    note: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    try:
        if action == "triage":
            service.triage(session, clock, alert_id, staff.username, note)
        elif action == "close":
            service.close(session, clock, alert_id, staff.username, reason, note)
        else:
            raise ValidationError("action is triage or close", field="action")
    except ValidationError as error:
        session.rollback()
        return _page(request, session, error.message)
    return RedirectResponse("/detect", status_code=303)
