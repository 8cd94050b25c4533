from __future__ import annotations

import uuid

import pytest

from brokerguard.auth.ratelimit import LoginRateLimiter
from brokerguard.auth.settings import AuthSettings
from brokerguard.config import Settings
from tests.conftest import in_ci


def test_per_ip_limit_does_not_block_other_ips() -> None:
    limiter = LoginRateLimiter("memory://", "3/minute", "100/minute")
    assert [limiter.allow("198.51.100.1", f"acct{i}") for i in range(4)] == [
        True,
        True,
        True,
        False,
    ]
    assert limiter.allow("198.51.100.2", "acct9")


def test_per_account_limit() -> None:
    limiter = LoginRateLimiter("memory://", "100/minute", "2/minute")
    assert [limiter.allow(f"198.51.100.{i}", "A100200") for i in range(3)] == [True, True, False]
    assert limiter.allow("198.51.100.9", "A100300")


def test_memory_by_default_and_redis_when_configured() -> None:
    auth = AuthSettings()
    assert LoginRateLimiter.from_settings(Settings(), auth).storage_uri == "memory://"
    with_redis = LoginRateLimiter.from_settings(
        Settings(redis_url="redis://127.0.0.1:6379/0"), auth
    )
    assert with_redis.storage_uri == "redis://127.0.0.1:6379/0"


@pytest.mark.parametrize("bad", ["", "lots", "5/fortnight"])
def test_bad_limit_strings_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        LoginRateLimiter("memory://", bad, "1/minute")


@pytest.mark.redis
def test_redis_storage_is_shared_between_limiters() -> None:
    uri = "redis://127.0.0.1:6379/0"
    try:
        first = LoginRateLimiter(uri, "2/minute", "100/minute")
        second = LoginRateLimiter(uri, "2/minute", "100/minute")
        ip = f"test-{uuid.uuid4()}"
        first.allow(ip, "a")
    except Exception as exc:
        message = f"Redis not reachable at 127.0.0.1:6379: {exc.__class__.__name__}"
        if in_ci():
            pytest.fail(message)  # like PostgreSQL and NATS: CI never skips it quietly
        pytest.skip(message)
    assert second.allow(ip, "b")
    assert not first.allow(ip, "c")  # the third hit, counted across both processes
