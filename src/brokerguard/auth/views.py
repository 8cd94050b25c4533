"""Staff pages: look up a customer's factors, lock state and login history; unlock."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func, select

from brokerguard.audit.web import audited, record_customer_read
from brokerguard.auth.api import build_meta, get_auth_settings
from brokerguard.auth.assessments import record_assessment
from brokerguard.auth.lifecycle import factors_of, last_events
from brokerguard.auth.models import (
    BiometricAssessment,
    EnrolledFactor,
    EtradeCustomer,
    FailureCounter,
    LoginAttempt,
)
from brokerguard.auth.service import credential_service
from brokerguard.auth.settings import AuthSettings
from brokerguard.errors import NotFoundError, ValidationError
from brokerguard.staff.roles import Role
from brokerguard.staff.service import StaffIdentity
from brokerguard.web.deps import (
    AppAuditSink,
    AppClock,
    AppSettings,
    DbSession,
    require_roles,
)
from brokerguard.web.templating import render

router = APIRouter(prefix="/etrade", include_in_schema=False)

Reader = Annotated[
    StaffIdentity, Depends(require_roles(Role.security, Role.compliance, Role.auditor))
]
SecurityStaff = Annotated[StaffIdentity, Depends(require_roles(Role.security))]
Auth = Annotated[AuthSettings, Depends(get_auth_settings)]
PAGE_SIZE = 50


@router.get("/customers")
def customers(
    request: Request,
    session: DbSession,
    clock: AppClock,
    sink: AppAuditSink,
    staff: Reader,
    auth: Auth,
    q: str = "",
) -> Response:
    """Customers by account prefix; the read of every listed account is audited (A9.9)."""
    query = q.strip()[:64]
    stmt = select(EtradeCustomer).order_by(EtradeCustomer.account).limit(PAGE_SIZE)
    if query:
        escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(EtradeCustomer.account.like(f"{escaped}%", escape="\\"))
    rows = list(session.scalars(stmt))
    accounts = [r.account for r in rows]
    record_customer_read(
        sink,
        request,
        clock,
        actor=staff.username,
        function="etrade.staff.customer.search",
        customer_ids=accounts,
        result=repr(accounts).encode(),
    )
    counters = {
        c.account: c.failed_count
        for c in session.scalars(select(FailureCounter).where(FailureCounter.account.in_(accounts)))
    }
    factor_counts = dict(
        session.execute(
            select(EnrolledFactor.customer_id, func.count())
            .where(EnrolledFactor.status == "active")
            .group_by(EnrolledFactor.customer_id)
        ).all()
    )
    locked_total = session.scalar(
        select(func.count())
        .select_from(FailureCounter)
        .where(FailureCounter.failed_count >= auth.lock_threshold)
    )
    return render(
        request,
        "auth/customers.html",
        {
            "q": query,
            "rows": [
                {
                    "customer": r,
                    "locked": counters.get(r.account, 0) >= auth.lock_threshold,
                    "failures": counters.get(r.account, 0),
                    "factors": factor_counts.get(r.id, 0),
                }
                for r in rows
            ],
            "locked_total": locked_total or 0,
        },
    )


def _detail_context(session: DbSession, account: str, auth: AuthSettings) -> dict[str, object]:
    customer = session.scalar(select(EtradeCustomer).where(EtradeCustomer.account == account))
    if customer is None:
        raise NotFoundError(f"no e-trading customer {account[:64]!r}", field="account")
    counter = session.get(FailureCounter, customer.account)
    attempts = list(
        session.scalars(
            select(LoginAttempt)
            .where(LoginAttempt.account == customer.account)
            .order_by(LoginAttempt.created_at.desc())
            .limit(PAGE_SIZE)
        )
    )
    return {
        "customer": customer,
        "factors": factors_of(session, customer.id),
        "failures": counter.failed_count if counter else 0,
        "locked": counter is not None and counter.failed_count >= auth.lock_threshold,
        "locked_at": counter.locked_at if counter else None,
        "attempts": attempts,
        "events": last_events(session, customer.id),
        "reason": "",
        "error": None,
    }


@router.get(
    "/customers/{account}",
    dependencies=[Depends(audited("etrade.staff.customer.view", customer_param="account"))],
)
def customer_detail(
    request: Request, account: str, session: DbSession, staff: Reader, auth: Auth
) -> Response:
    return render(request, "auth/customer.html", _detail_context(session, account[:64], auth))


@router.post("/customers/{account}/unlock")
def customer_unlock(
    request: Request,
    account: str,
    session: DbSession,
    clock: AppClock,
    sink: AppAuditSink,
    settings: AppSettings,
    auth: Auth,
    staff: SecurityStaff,
    reason: Annotated[str, Form(max_length=2048)] = "",
) -> Response:
    account = account[:64]
    context = _detail_context(session, account, auth)
    creds = credential_service(session, clock, sink, settings, auth)
    try:
        creds.unlock(
            account, build_meta(request, settings, auth, actor=staff.username), reason=reason
        )
    except ValidationError as exc:
        context.update(reason=reason, error=exc.message)
        return render(request, "auth/customer.html", context, status_code=422)
    return RedirectResponse(f"/etrade/customers/{account}", status_code=303)


@router.get("/assessments")
def assessments(request: Request, session: DbSession, staff: Reader) -> Response:
    rows = list(
        session.scalars(
            select(BiometricAssessment).order_by(BiometricAssessment.assessed_at.desc()).limit(100)
        )
    )
    return render(
        request, "auth/assessments.html", {"rows": rows, "form": {}, "error": None, "field": None}
    )


@router.post("/assessments")
def assessment_add(
    request: Request,
    session: DbSession,
    clock: AppClock,
    staff: SecurityStaff,
    method: Annotated[str, Form(max_length=256)] = "",
    conclusion: Annotated[str, Form(max_length=32)] = "",
    summary: Annotated[str, Form(max_length=4096)] = "",
    evidence_ref: Annotated[str, Form(max_length=512)] = "",
) -> Response:
    try:
        record_assessment(
            session,
            clock,
            method=method,
            assessed_by=staff.display_name or staff.username,
            conclusion=conclusion,
            summary=summary,
            evidence_ref=evidence_ref,
        )
    except ValidationError as exc:
        rows = list(
            session.scalars(
                select(BiometricAssessment)
                .order_by(BiometricAssessment.assessed_at.desc())
                .limit(100)
            )
        )
        form = {"method": method, "conclusion": conclusion, "summary": summary}
        return render(
            request,
            "auth/assessments.html",
            {"rows": rows, "form": form, "error": exc.message, "field": exc.field},
            status_code=422,
        )
    return RedirectResponse("/etrade/assessments", status_code=303)
