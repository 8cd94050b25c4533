"""A9.7: lock at 5 wrong passwords, atomically, for known and unknown accounts alike."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from brokerguard.auth import lockout
from brokerguard.auth.errors import AccountLockedError, InvalidCredentialsError
from brokerguard.auth.models import EtradeSession, LoginToken
from tests.auth.helpers import META, PASSWORD, Kit


def attempt(kit: Kit, account: str, password: str) -> str:
    with kit.session() as s:
        try:
            kit.login(s).start_login(account, password, META)
        except InvalidCredentialsError:
            return "invalid"
        except AccountLockedError:
            return "locked"
        return "ok"


@pytest.mark.parametrize("account", ["A100200", "ghost-account"])
def test_fifty_concurrent_guesses_verify_exactly_five(kit: Kit, account: str) -> None:
    kit.customer()
    barrier = threading.Barrier(50)

    def guess(i: int) -> str:
        barrier.wait()
        return attempt(kit, account, f"Wrong-guess-{i}")

    with ThreadPoolExecutor(max_workers=50) as pool:
        outcomes = list(pool.map(guess, range(50)))
    assert outcomes.count("invalid") == 5
    assert outcomes.count("locked") == 45
    assert len(kit.hashing.verified) == 5
    with kit.session() as s:
        row = lockout.lock_state(s, account)
        assert row is not None and row.failed_count == 5 and row.locked_at is not None
        assert s.query(LoginToken).count() == 0
        assert s.query(EtradeSession).count() == 0
    locked = [e for e in kit.sink.events if e.attributes["reason"] == "locked"]
    assert len(locked) == 45


def test_locked_stays_locked_even_with_the_right_password(kit: Kit) -> None:
    kit.customer()
    for i in range(5):
        assert attempt(kit, "A100200", f"Wrong-guess-{i}") == "invalid"
    verified_before = len(kit.hashing.verified)
    assert attempt(kit, "A100200", PASSWORD) == "locked"
    assert len(kit.hashing.verified) == verified_before  # not even checked
    with kit.session() as s:
        row = lockout.lock_state(s, "A100200")
        assert row is not None and row.failed_count == 5


def test_fewer_than_five_failures_then_success_resets(kit: Kit) -> None:
    kit.customer()
    for i in range(4):
        assert attempt(kit, "A100200", f"Wrong-guess-{i}") == "invalid"
    assert attempt(kit, "A100200", PASSWORD) == "ok"
    with kit.session() as s:
        row = lockout.lock_state(s, "A100200")
        assert row is not None and row.failed_count == 0
    for i in range(4):
        assert attempt(kit, "A100200", f"Wrong-guess-{i}") == "invalid"
    assert attempt(kit, "A100200", PASSWORD) == "ok"


def test_staff_unlock_is_audited_and_unlocks(kit: Kit) -> None:
    kit.customer()
    for i in range(5):
        attempt(kit, "A100200", f"Wrong-guess-{i}")
    from dataclasses import replace

    with kit.session() as s:
        creds = kit.credentials(s)
        with pytest.raises(Exception, match="staff"):
            creds.unlock("A100200", META, reason="called the hotline")
        creds.unlock("A100200", replace(META, actor="sec-officer"), reason="identity checked")
        s.commit()
    assert attempt(kit, "A100200", PASSWORD) == "ok"
    unlocks = [e for e in kit.sink.events if e.function == "etrade.credential.unlock"]
    assert len(unlocks) == 1 and unlocks[0].actor == "sec-officer"


def test_unknown_account_takes_the_dummy_hash_path(kit: Kit) -> None:
    """Same work for unknown accounts: one argon2 verification with the same parameters."""
    kit.customer()
    assert attempt(kit, "A100200", "Wrong-guess-1") == "invalid"
    assert attempt(kit, "nobody-here", "Wrong-guess-1") == "invalid"
    known_hash, dummy_hash = kit.hashing.verified
    assert dummy_hash == kit.hashing.dummy_hash
    assert known_hash != dummy_hash
    # same algorithm and parameters: the hash prefix up to the salt is identical
    assert known_hash.rsplit("$", 2)[0] == dummy_hash.rsplit("$", 2)[0]
    events = [e for e in kit.sink.events if e.function == "etrade.login.password"]
    assert [e.attributes["account_known"] for e in events] == [1, 0]
    assert [e.attributes["reason"] for e in events] == ["invalid_credentials", "unknown_account"]
    assert events[0].customer_ids == ("A100200",) and events[1].customer_ids == ()


def test_nul_and_oversized_passwords_count_as_failures(kit: Kit) -> None:
    from brokerguard.auth.errors import PasswordRejectedError

    kit.customer()
    for bad in ("abc\x00def", "x" * 1025, "é" * 600):
        with kit.session() as s, pytest.raises(PasswordRejectedError):
            kit.login(s).start_login("A100200", bad, META)
    assert kit.hashing.verified == []  # never hashed: no denial of service
    with kit.session() as s:
        row = lockout.lock_state(s, "A100200")
        assert row is not None and row.failed_count == 3
