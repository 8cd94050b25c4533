"""Login-monitoring pages (登入監控): alerts with triage and close, latest reports."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from brokerguard.audit.web import record_customer_read
from brokerguard.clock import Clock, as_utc
from brokerguard.detect import reports, service
from brokerguard.detect.models import DetectAlert
from brokerguard.detect.rules import load_rules
from brokerguard.errors import BrokerguardError, NotFoundError, ValidationError
from brokerguard.kernel.audit import AuditSink
from brokerguard.staff.roles import Role
from brokerguard.staff.service import StaffIdentity
from brokerguard.web.deps import AppAuditSink, AppClock, DbSession, require_roles
from brokerguard.web.tables import TableSpec, table_page
from brokerguard.web.templating import render

router = APIRouter(include_in_schema=False)
Reader = Annotated[
    StaffIdentity, Depends(require_roles(Role.security, Role.compliance, Role.auditor))
]
Analyst = Annotated[StaffIdentity, Depends(require_roles(Role.security))]

SEVERITY_LABELS = {
    "critical": ("重大", "Critical"),
    "high": ("高", "High"),
    "medium": ("中", "Medium"),
    "low": ("低", "Low"),
}
STATUS_LABELS = {
    "new": ("新告警", "New"),
    "triaged": ("已初判", "Triaged"),
    "closed": ("已結案", "Closed"),
}
REASON_LABELS = {
    "false_positive": ("誤判", "False positive"),
    "resolved": ("已處理", "Resolved"),
    "duplicate": ("重複告警", "Duplicate"),
    "accepted_risk": ("接受風險", "Risk accepted"),
}
#: what a refused triage or close tells the analyst, by the field at fault (catalogue msgids)
REFUSALS = {
    "alert_ids": "Choose at least one alert.",
    "alert_id": "An alert was not found; the list has changed. Nothing was saved.",
    "reason": "Choose a reason for closing.",
    "status": "An alert is no longer in a state that allows this. Nothing was saved.",
    "note": "The note is longer than 4000 characters.",
    "action": "Choose triage or close.",
}
SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3}
MAX_BULK = 500


@lru_cache(maxsize=1)
def _rule_titles() -> dict[str, tuple[str, str]]:
    return {rule.id: (rule.title_zh, rule.title_en) for rule in load_rules()}


def rule_title(alert: DetectAlert) -> tuple[str, str]:
    """The rule's name in both languages (an alert of a custom rule keeps its stored title)."""
    return _rule_titles().get(alert.rule_id, (alert.title, alert.title))


ALERT_TABLE: TableSpec[DetectAlert] = TableSpec(
    search=lambda a: " ".join((a.group_key, a.rule_id, *rule_title(a), a.note or "")),
    sorts={
        "severity": lambda a: SEVERITY_ORDER.get(a.severity, 9),
        "rule": lambda a: a.rule_id,
        "target": lambda a: a.group_key,
        "events": lambda a: a.event_count,
        "last_seen": lambda a: as_utc(a.last_seen),
        "status": lambda a: service.STATUSES.index(a.status),
    },
    default_sort="-last_seen",
    filters={
        "status": (service.STATUSES, lambda a: a.status),
        "severity": (tuple(SEVERITY_LABELS), lambda a: a.severity),
    },
)


def _page(
    request: Request,
    session: DbSession,
    sink: AuditSink,
    clock: Clock,
    actor: str,
    error: BrokerguardError | None = None,
    form: dict[str, object] | None = None,
) -> Response:
    """The alerts page; showing it is an audited read of the accounts it names (A9.9)."""
    alerts = table_page(request.query_params, ALERT_TABLE, service.list_alerts(session, limit=5000))
    shown = alerts.rows
    record_customer_read(
        sink,
        request,
        clock,
        actor=actor,
        function="detect.alerts.view",
        customer_ids=service.alert_accounts(shown),
        result=repr([(a.id, a.group_key, a.status, a.event_count) for a in shown]).encode(),
    )
    context = {
        "alerts": alerts,
        "rule_title": rule_title,
        "reasons": service.CLOSE_REASONS,
        "severity_labels": SEVERITY_LABELS,
        "status_labels": STATUS_LABELS,
        "reason_labels": REASON_LABELS,
        "daily": reports.latest_report(session, "daily"),
        "monthly": reports.latest_report(session, "monthly"),
        "run": service.last_run(session),
        "error": REFUSALS.get(error.field or "", "Nothing was saved.") if error else None,
        "form": form or {},
    }
    return render(request, "detect/alerts.html", context, status_code=422 if error else 200)


@router.get("/detect")
def detect_page(
    request: Request, session: DbSession, clock: AppClock, sink: AppAuditSink, staff: Reader
) -> Response:
    return _page(request, session, sink, clock, staff.username)


def _act(
    session: DbSession,
    clock: AppClock,
    staff: StaffIdentity,
    alert_id: str,
    action: str,
    reason: str,
    note: str,
) -> None:
    if action == "triage":
        service.triage(session, clock, alert_id, staff.username, note)
    elif action == "close":
        service.close(session, clock, alert_id, staff.username, reason, note)
    else:
        raise ValidationError("action is triage or close", field="action")


def _back(request: Request, back: str) -> RedirectResponse:
    """Back to the list the form was sent from (its search, filter and page)."""
    query = back if back.startswith("?") and len(back) <= 2048 else ""
    return RedirectResponse("/detect" + query, status_code=303)


@router.post("/detect/alerts/{alert_id}")
def alert_action(
    request: Request,
    alert_id: str,
    session: DbSession,
    clock: AppClock,
    sink: AppAuditSink,
    staff: Analyst,
    action: Annotated[str, Form(max_length=16)] = "",
    reason: Annotated[str, Form(max_length=32)] = "",
    note: Annotated[str, Form(max_length=4000)] = "",
    back: Annotated[str, Form(max_length=2048)] = "",
) -> Response:
    try:
        _act(session, clock, staff, alert_id, action, reason, note)
    except (ValidationError, NotFoundError) as error:
        session.rollback()
        return _page(
            request, session, sink, clock, staff.username, error, {"note": note, "reason": reason}
        )
    return _back(request, back)


@router.post("/detect/alerts")
def bulk_action(
    request: Request,
    session: DbSession,
    clock: AppClock,
    sink: AppAuditSink,
    staff: Analyst,
    alert_ids: Annotated[list[str], Form(max_length=MAX_BULK)] = [],  # noqa: B006
    action: Annotated[str, Form(max_length=16)] = "",
    reason: Annotated[str, Form(max_length=32)] = "",
    note: Annotated[str, Form(max_length=4000)] = "",
    back: Annotated[str, Form(max_length=2048)] = "",
) -> Response:
    """Triage or close the chosen alerts together: all of them or none."""
    form: dict[str, object] = {"note": note, "reason": reason, "alert_ids": alert_ids}
    try:
        if not alert_ids:
            raise ValidationError("choose at least one alert", field="alert_ids")
        for alert_id in dict.fromkeys(alert_ids):
            _act(session, clock, staff, alert_id, action, reason, note)
    except (ValidationError, NotFoundError) as error:
        session.rollback()
        return _page(request, session, sink, clock, staff.username, error, form)
    return _back(request, back)
