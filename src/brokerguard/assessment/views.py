"""Dashboard (home page), requirement pages and the "run assessment now" action."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from brokerguard.assessment.engine import run_assessment
from brokerguard.assessment.manual import (
    MANUAL_EVIDENCE_KIND,
    review_cycle_days,
    reviewer_choices,
)
from brokerguard.assessment.overview import (
    build_dashboard,
    has_generated_history,
    requirement_detail,
)
from brokerguard.assessment.registry import Status
from brokerguard.assessment.requirements_list import (
    STATUS_VALUES,
    requirement_lines,
    requirement_table,
)
from brokerguard.assessment.service import RunSummary
from brokerguard.assessment.trend import trend_svg
from brokerguard.clock import Clock
from brokerguard.errors import BrokerguardError, UnknownRequirementError
from brokerguard.findings.intake import findings_from_check_form
from brokerguard.findings.views import RAISE_REFUSALS
from brokerguard.i18n import Translator, pick
from brokerguard.rulebook import load_rulebook
from brokerguard.staff.roles import Role
from brokerguard.staff.service import StaffIdentity
from brokerguard.web.deps import (
    AppClock,
    AppSettings,
    CurrentStaff,
    DbSession,
    require_writer,
    require_writer_or_app_team,
)
from brokerguard.web.my_tasks import my_tasks
from brokerguard.web.tables import table_page
from brokerguard.web.templating import format_date, render, request_language

router = APIRouter(include_in_schema=False)


STATUS_ORDER = (Status.passed, Status.failed, Status.manual, Status.error, Status.not_applicable)


def status_label(status: Status | str | None, language: str) -> str:
    if isinstance(status, str) and not isinstance(status, Status):
        status = None if status == "none" else Status(status)
    if status is None:
        return "未評估" if language == "zh-TW" else "Not assessed"
    return status.label_zh if language == "zh-TW" else status.label_en


#: a sign beside each status colour, so status never rests on colour alone (WCAG 1.4.1)
STATUS_ICONS = {
    Status.passed: "✓",
    Status.failed: "✗",
    Status.manual: "✎",
    Status.error: "!",
    Status.not_applicable: "–",
}
TASK_LABELS = {
    "finding": ("改善缺失", "Fix finding"),
    "approve_release": ("核准 APP 上架", "Approve app release"),
    "approve_policy": ("核定規範文件", "Approve policy"),
    "review_policy": ("檢視規範文件", "Review policy"),
}


def status_icon(status: Status | str | None) -> str:
    if isinstance(status, str) and not isinstance(status, Status):
        status = None if status == "none" else Status(status)
    return STATUS_ICONS.get(status, "○") if status is not None else "○"


def _template_helpers(language: str) -> dict[str, object]:
    return {
        "status_label": lambda s: status_label(s, language),
        "status_icon": status_icon,
        "task_label": lambda kind: pick(language, *TASK_LABELS[kind]),
        "status_order": STATUS_ORDER,
    }


@router.get("/dashboard")
def dashboard(
    request: Request, session: DbSession, clock: AppClock, user: CurrentStaff
) -> Response:
    language = request_language(request)
    translator = Translator(language)
    data = build_dashboard(session, clock)

    def label(run: RunSummary) -> str:
        return format_date(run.finished_at, language)

    chart = trend_svg(
        data.history,
        label=label,
        title=translator("Pass rate over time"),
        empty_text=translator("No assessment has run yet."),
    )
    return render(
        request,
        "assessment/dashboard.html",
        {
            "data": data,
            "chart": Markup(chart),  # noqa: S704 - trend_svg escapes every text it embeds
            "generated_history": has_generated_history(session),
            "can_write": user.has_any(Role.security, Role.compliance, Role.app_team),
            "tasks": my_tasks(session, user, data.today),
            **_template_helpers(language),
        },
    )


@router.post("/assessment/run")
def run_now(
    request: Request,
    session: DbSession,
    clock: AppClock,
    settings: AppSettings,
    user: Annotated[StaffIdentity, Depends(require_writer_or_app_team())],
) -> Response:
    """Run a full assessment; HTMX gets a redirect header, plain forms a 303."""
    run_assessment(session, settings, clock, triggered_by=f"web:{user.username}")
    if request.headers.get("hx-request") == "true":
        return Response(status_code=204, headers={"HX-Redirect": "/dashboard"})
    return RedirectResponse("/dashboard", status_code=303)


@router.get("/requirements")
def requirements_page(
    request: Request,
    session: DbSession,
    clock: AppClock,
    settings: AppSettings,
    user: CurrentStaff,
) -> Response:
    """Every requirement with its status; the dashboard's cards open it filtered."""
    language = request_language(request)
    lines = requirement_lines(session, settings, clock, language)
    spec = requirement_table(lines)
    table = table_page(request.query_params, spec, lines)
    return render(
        request,
        "assessment/requirements.html",
        {
            "t": table,
            "status_options": [(v, status_label(v, language)) for v in STATUS_VALUES],
            "article_options": [
                (a, f"第 {a} 條" if language == "zh-TW" else f"Art. {a}")
                for a in spec.filters["article"][0]
            ],
            "unit_options": [(u, u, "data") for u in spec.filters["unit"][0]],
            "owner_options": [(o, o, "data") for o in spec.filters["owner"][0]],
            **_template_helpers(language),
        },
    )


@router.get("/requirements/{requirement_id}")
def requirement_page(
    requirement_id: str,
    request: Request,
    session: DbSession,
    clock: AppClock,
    user: CurrentStaff,
) -> Response:
    try:
        requirement = load_rulebook().get(requirement_id)
    except UnknownRequirementError:
        return render(
            request,
            "assessment/unknown_requirement.html",
            {"requirement_id": requirement_id[:64]},
            status_code=404,
        )
    return requirement_response(request, session, clock, user, requirement.id)


def requirement_response(
    request: Request,
    session: Session,
    clock: Clock,
    user: StaffIdentity,
    requirement_id: str,
    *,
    extra: Mapping[str, object] | None = None,
    status_code: int = 200,
) -> Response:
    """The requirement's page; ``extra`` carries a refused form back as it was sent."""
    detail = requirement_detail(session, clock, requirement_id)
    context = {
        "d": detail,
        "reviewers": reviewer_choices(session, user.username),
        "manual_kinds": detail.requirement.evidence_kinds or (MANUAL_EVIDENCE_KIND,),
        "review_cycle_days": review_cycle_days(detail.requirement),
        **_template_helpers(request_language(request)),
        **(extra or {}),
    }
    return render(request, "assessment/requirement.html", context, status_code=status_code)


def _requirement_page(
    request: Request,
    session: Session,
    clock: Clock,
    user: StaffIdentity,
    requirement_id: str,
    *,
    error: BrokerguardError,
    form: dict[str, str],
) -> Response:
    """The requirement's page again, the refused form filled in as it was sent."""
    extra = {
        "raise_error": RAISE_REFUSALS.get(error.field or "", "Nothing was saved."),
        "raise_form": form,
    }
    return requirement_response(
        request, session, clock, user, requirement_id, extra=extra, status_code=422
    )


@router.post("/requirements/{requirement_id}/findings")
def raise_finding(
    requirement_id: str,
    request: Request,
    session: DbSession,
    clock: AppClock,
    user: Annotated[StaffIdentity, Depends(require_writer())],
    check_id: Annotated[str, Form(max_length=128)] = "",
    owner: Annotated[str, Form(max_length=256)] = "",
    due_date: Annotated[str, Form(max_length=32)] = "",
    severity: Annotated[str, Form(max_length=16)] = "medium",
) -> Response:
    """Raise a finding for one of this requirement's failed checks (缺失改善追蹤)."""
    requirement = load_rulebook().get(requirement_id)
    form = {"check_id": check_id, "owner": owner, "due_date": due_date, "severity": severity}
    try:
        (record,) = findings_from_check_form(
            session,
            clock,
            [check_id],
            requirement_id=requirement.id,
            owner=owner,
            due_date=due_date,
            severity=severity,
        )
    except BrokerguardError as error:
        session.rollback()
        return _requirement_page(
            request, session, clock, user, requirement.id, error=error, form=form
        )
    return RedirectResponse(f"/findings/{record.id}", status_code=303)
