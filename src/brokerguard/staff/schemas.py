"""Response bodies of the staff-accounts API (admin)."""

from __future__ import annotations

from datetime import datetime

from brokerguard.outputs import ResponseModel


class StaffAccountOut(ResponseModel):
    """A staff account's lock state (A9.3 for staff sign-in)."""

    username: str
    display_name: str
    active: bool
    failed_logins: int
    locked: bool
    locked_at: datetime | None


class StaffAccountListOut(ResponseModel):
    accounts: list[StaffAccountOut]
