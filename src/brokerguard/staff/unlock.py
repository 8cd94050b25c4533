"""An admin's unlock of a staff account, recorded in the audit trail (web and API)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from brokerguard.audit.web import request_event
from brokerguard.staff.roles import Role
from brokerguard.staff.service import StaffIdentity, unlock_staff
from brokerguard.web.deps import AppAuditSink, AppClock, DbSession, require_roles

#: only admins (``require_roles`` lets admin through and nobody else here)
Admin = Annotated[StaffIdentity, Depends(require_roles(Role.admin))]


def audited_unlock(
    request: Request,
    session: DbSession,
    clock: AppClock,
    sink: AppAuditSink,
    admin: StaffIdentity,
    username: str,
) -> None:
    was_locked = unlock_staff(session, username)
    sink.record(
        request_event(
            request,
            function="staff.unlock",
            account=admin.username,
            when=clock.now(),
            query=f"unlock staff account {username[:64]} (was locked: {was_locked})",
        )
    )
