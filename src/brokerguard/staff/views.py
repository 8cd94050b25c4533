"""Staff accounts page (admin): who is locked, and the unlock button."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from brokerguard.staff.service import lock_states
from brokerguard.staff.unlock import Admin, audited_unlock
from brokerguard.web.deps import AppAuditSink, AppClock, AppSettings, DbSession
from brokerguard.web.templating import render

router = APIRouter(prefix="/staff", include_in_schema=False)


@router.get("")
def accounts_page(
    request: Request, session: DbSession, settings: AppSettings, admin: Admin
) -> Response:
    context = {"rows": lock_states(session), "threshold": settings.staff.lock_threshold}
    return render(request, "staff/accounts.html", context)


@router.post("/{username}/unlock")
def unlock_page(
    username: str,
    request: Request,
    session: DbSession,
    clock: AppClock,
    sink: AppAuditSink,
    admin: Admin,
) -> Response:
    audited_unlock(request, session, clock, sink, admin, username)
    return RedirectResponse("/staff", status_code=303)
