"""Per-IP and per-account rate limits (``limits``; Redis storage when configured).

Limits only slow guessing down: being rate-limited does not count as a failure, so
an attacker cannot lock every account from one IP, and a per-IP limit alone never
locks anyone out.
"""

from __future__ import annotations

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from brokerguard.auth.settings import AuthSettings
from brokerguard.config import Settings


class LoginRateLimiter:
    def __init__(
        self, storage_uri: str, per_ip: str, per_account: str, namespace: str = "etrade-login"
    ) -> None:
        self.storage_uri = storage_uri
        self.namespace = namespace
        self._limiter = FixedWindowRateLimiter(storage_from_string(storage_uri))
        self._per_ip = parse(per_ip)
        self._per_account = parse(per_account)

    @classmethod
    def from_settings(cls, settings: Settings, auth: AuthSettings) -> LoginRateLimiter:
        uri = auth.rate_limit_storage or (
            _redis_uri(settings.redis_url) if settings.redis_url else "memory://"
        )
        return cls(uri, auth.rate_limit_ip, auth.rate_limit_account)

    @classmethod
    def for_staff(cls, settings: Settings, per_ip: str, per_account: str) -> LoginRateLimiter:
        """The staff sign-in's limits, in the same storage as the customers' logins."""
        uri = _redis_uri(settings.redis_url) if settings.redis_url else "memory://"
        return cls(uri, per_ip, per_account, namespace="staff-login")

    def allow(self, source_ip: str | None, account: str) -> bool:
        """Count one attempt; False when either the IP or the account is over its limit."""
        ip_ok = self._limiter.hit(self._per_ip, f"{self.namespace}-ip", source_ip or "-")
        account_ok = self._limiter.hit(
            self._per_account, f"{self.namespace}-account", account[:256].lower()
        )
        return bool(ip_ok and account_ok)

    def reset(self) -> None:
        self._limiter.storage.reset()


def _redis_uri(url: str) -> str:
    return url if url.startswith(("redis://", "rediss://", "redis+")) else f"redis://{url}"
