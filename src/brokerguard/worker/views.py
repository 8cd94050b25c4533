"""The 排程作業 page: each job's last and next run, failures first; recent runs; the
latest alerts with every delivery attempt. Admin and security can run a job now."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from brokerguard.errors import BrokerguardError
from brokerguard.notify.service import recent_notices
from brokerguard.staff.roles import Role
from brokerguard.staff.service import StaffIdentity
from brokerguard.web.deps import AppCtx, DbSession, require_roles
from brokerguard.web.templating import render
from brokerguard.worker import runs
from brokerguard.worker.assembly import build_runner
from brokerguard.worker.overview import job_overview
from brokerguard.worker.runner import JobRunner

router = APIRouter(include_in_schema=False)
Reader = Annotated[
    StaffIdentity,
    Depends(require_roles(Role.security, Role.compliance, Role.auditor, Role.app_team)),
]
Operator = Annotated[StaffIdentity, Depends(require_roles(Role.security))]


def _page(
    request: Request,
    session: Session,
    runner: JobRunner,
    staff: StaffIdentity,
    error: BrokerguardError | None = None,
) -> Response:
    context = {
        "jobs": job_overview(session, runner.jobs, runner.clock.now()),
        "runs": runs.recent_runs(session, 50),
        "notices": recent_notices(session, 30),
        "error": error.message if error else None,
        "may_run": staff.has_any(Role.security),
    }
    return render(
        request, "worker/jobs.html", context, status_code=error.status_code if error else 200
    )


@router.get("/jobs")
def jobs_page(request: Request, session: DbSession, context: AppCtx, staff: Reader) -> Response:
    runner = build_runner(context.settings, context.session_factory, context.clock)
    return _page(request, session, runner, staff)


@router.post("/jobs/{job_name}/run")
def run_job_now(
    request: Request,
    job_name: str,
    session: DbSession,
    context: AppCtx,
    staff: Operator,
) -> Response:
    """Queue a run of the job for the workers (the next one to look takes it)."""
    runner = build_runner(context.settings, context.session_factory, context.clock)
    try:
        job = runner.job(job_name[:64])
        runner.request_run(session, job, f"web:{staff.username}", timedelta(0))
    except BrokerguardError as error:
        session.rollback()
        return _page(request, session, runner, staff, error)
    return RedirectResponse("/jobs", status_code=303)
