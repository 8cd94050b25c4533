"""The password step runs in a bounded pool: at most ``auth.verify_workers`` argon2
checks of one process at once; the others wait their turn and still answer."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from brokerguard.auth.api import get_auth_settings
from brokerguard.auth.passwords import PasswordHashing
from brokerguard.auth.settings import AuthSettings
from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from tests.auth.helpers import PASSWORD
from tests.auth.test_api import LOGIN, make_customer


class Overlap:
    """Counts the verifications running at the same moment (each lingers a little so
    that concurrent ones, if allowed, do meet)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running = 0
        self.most = 0

    def watch(self, monkeypatch: pytest.MonkeyPatch) -> None:
        verify = PasswordHashing.verify

        def watched(hashing: PasswordHashing, stored: str, normalised: str) -> bool:
            with self.lock:
                self.running += 1
                self.most = max(self.most, self.running)
            try:
                threading.Event().wait(0.05)
                return verify(hashing, stored, normalised)
            finally:
                with self.lock:
                    self.running -= 1

        monkeypatch.setattr(PasswordHashing, "verify", watched)


def _logins_at_once(client: TestClient, accounts: list[str]) -> list[int]:
    def login(account: str) -> int:
        answer = client.post(LOGIN, json={"account": account, "password": PASSWORD})
        return int(answer.status_code)

    with ThreadPoolExecutor(len(accounts)) as pool:
        return list(pool.map(login, accounts))


def test_one_worker_checks_one_password_at_a_time(
    client: TestClient,
    engine: Engine,
    clock: FixedClock,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    accounts = [f"A10030{i}" for i in range(3)]
    for account in accounts:
        make_customer(engine, clock, settings, account)
    overrides = client.app.dependency_overrides  # type: ignore[attr-defined]
    overrides[get_auth_settings] = lambda: AuthSettings(verify_workers=1)
    overlap = Overlap()
    overlap.watch(monkeypatch)
    assert _logins_at_once(client, accounts) == [200, 200, 200]
    assert overlap.most == 1


def test_two_workers_check_two_passwords_at_once(
    client: TestClient,
    engine: Engine,
    clock: FixedClock,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The bound is the setting, not a lock around every verification. On SQLite too:
    the password is checked outside any transaction, so no login holds the database's
    one write lock while argon2 runs."""
    accounts = ["A100310", "A100311"]
    for account in accounts:
        make_customer(engine, clock, settings, account)
    overrides = client.app.dependency_overrides  # type: ignore[attr-defined]
    overrides[get_auth_settings] = lambda: AuthSettings(verify_workers=2)
    both_in = threading.Barrier(2, timeout=10)
    verify = PasswordHashing.verify

    def meet(hashing: PasswordHashing, stored: str, normalised: str) -> bool:
        both_in.wait()  # raises BrokenBarrierError unless both checks run together
        return verify(hashing, stored, normalised)

    monkeypatch.setattr(PasswordHashing, "verify", meet)
    assert _logins_at_once(client, accounts) == [200, 200]
    assert not both_in.broken


def test_the_setting_is_bounded() -> None:
    with pytest.raises(ValueError, match="verify_workers"):
        AuthSettings(verify_workers=0)
    with pytest.raises(ValueError, match="verify_workers"):
        AuthSettings(verify_workers=17)
