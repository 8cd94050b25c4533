"""What guards the staff sign-in besides the password: per-IP and per-username rate
limits, and a bounded pool of threads for the argon2 check (off the event loop, so
parallel sign-ins do not stall every other request)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import anyio

from brokerguard.auth.ratelimit import LoginRateLimiter
from brokerguard.config import Settings
from brokerguard.staff.settings import StaffSettings


@dataclass(frozen=True)
class StaffLoginGuard:
    settings: StaffSettings
    limiter: LoginRateLimiter
    #: at most ``verify_workers`` password checks run at once
    workers: anyio.CapacityLimiter

    @classmethod
    def build(cls, settings: Settings, staff: StaffSettings | None = None) -> StaffLoginGuard:
        staff = staff or settings.staff
        return cls(
            staff,
            LoginRateLimiter.for_staff(settings, staff.rate_limit_ip, staff.rate_limit_account),
            anyio.CapacityLimiter(staff.verify_workers),
        )

    @property
    def lock_period(self) -> timedelta:
        return timedelta(minutes=self.settings.lock_minutes)
