"""Staff accounts API (admin): lock states and the unlock."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from brokerguard.staff.schemas import StaffAccountListOut
from brokerguard.staff.service import lock_states
from brokerguard.staff.unlock import Admin, audited_unlock
from brokerguard.web.deps import AppAuditSink, AppClock, AppSettings, DbSession

router = APIRouter(prefix="/api/v1/staff", tags=["staff"])


@router.get("/accounts", response_model=StaffAccountListOut)
def accounts(session: DbSession, settings: AppSettings, admin: Admin) -> dict[str, Any]:
    threshold = settings.staff.lock_threshold
    return {
        "accounts": [
            {
                "username": row.username,
                "display_name": row.display_name,
                "active": row.active,
                "failed_logins": row.failed_logins,
                "locked": row.failed_logins >= threshold,
                "locked_at": row.locked_at,
            }
            for row in lock_states(session)
        ]
    }


@router.post("/accounts/{username}/unlock", status_code=204)
def unlock(
    username: str,
    request: Request,
    session: DbSession,
    clock: AppClock,
    sink: AppAuditSink,
    admin: Admin,
) -> Response:
    """Unlock a staff account (404 for an unknown one); recorded in the audit trail."""
    audited_unlock(request, session, clock, sink, admin, username)
    return Response(status_code=204)
