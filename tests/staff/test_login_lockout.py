"""Pentest finding 4: the staff lockout was permanent and the staff sign-in blocked
the server.

Was: after 5 wrong passwords there was no unlock (no command, page or API), so anyone
could lock ``admin`` out for good; ``/login`` had no rate limit (373 attempts, never
429); the argon2 check ran on the event loop. Now: a timed release, an audited admin
unlock (API, page, CLI), per-IP and per-username limits, argon2 in a bounded pool.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.staff.login import StaffLoginGuard
from brokerguard.staff.roles import Role
from brokerguard.staff.service import authenticate_staff
from brokerguard.staff.settings import StaffSettings
from brokerguard.web.deps import app_context
from tests.cli_helpers import Cli, cli  # noqa: F401 - the fixture
from tests.conftest import STAFF_PASSWORD, csrf_from, make_staff, sign_in
from tests.stored_audit import stored_events


def _login(client: TestClient, username: str, password: str) -> int:
    token = csrf_from(client)
    answer = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    return int(answer.status_code)


def _lock(client: TestClient, engine: Engine, clock: FixedClock, username: str) -> None:
    make_staff(engine, clock, username, Role.security)
    assert [_login(client, username, f"Wrong-guess-{i}") for i in range(5)] == [401] * 5
    assert _login(client, username, STAFF_PASSWORD) == 401  # locked


def test_admin_unlocks_over_the_api_and_it_is_audited(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    _lock(client, engine, clock, "victim")
    sign_in(client, engine, clock, Role.admin, username="boss")
    listed = client.get("/api/v1/staff/accounts").json()["accounts"]
    assert [a["locked"] for a in listed if a["username"] == "victim"] == [True]
    assert client.post("/api/v1/staff/accounts/victim/unlock").status_code == 204
    assert client.post("/api/v1/staff/accounts/nobody/unlock").status_code == 404
    event = stored_events(engine)[-1]
    assert event.function == "staff.unlock" and event.account == "boss"
    assert "victim" in (event.query or "")
    client.cookies.clear()
    client.headers.pop("X-CSRF-Token")  # the admin's
    assert _login(client, "victim", STAFF_PASSWORD) == 303


def test_only_admins_unlock(client: TestClient, engine: Engine, clock: FixedClock) -> None:
    _lock(client, engine, clock, "victim")
    sign_in(client, engine, clock, Role.security)
    assert client.post("/api/v1/staff/accounts/victim/unlock").status_code == 403
    assert client.get("/staff").status_code == 403


def test_admin_unlocks_on_the_page(client: TestClient, engine: Engine, clock: FixedClock) -> None:
    _lock(client, engine, clock, "victim")
    token = sign_in(client, engine, clock, Role.admin, username="boss")
    page = client.get("/staff")
    assert page.status_code == 200 and "victim" in page.text and "解除鎖定" in page.text
    done = client.post("/staff/victim/unlock", data={"csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303
    client.cookies.clear()
    client.headers.pop("X-CSRF-Token")  # the admin's
    assert _login(client, "victim", STAFF_PASSWORD) == 303


def test_the_lock_is_released_after_the_lock_period(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    _lock(client, engine, clock, "victim")
    clock.advance(timedelta(minutes=29))
    assert _login(client, "victim", STAFF_PASSWORD) == 401
    clock.advance(timedelta(minutes=2))
    assert _login(client, "victim", STAFF_PASSWORD) == 303


def test_sign_in_is_rate_limited(
    client: TestClient, engine: Engine, clock: FixedClock, settings: Settings
) -> None:
    staff = StaffSettings(rate_limit_ip="5/minute", rate_limit_account="3/minute")
    guards = app_context(client.app).services  # type: ignore[arg-type]
    guards.get(StaffLoginGuard, lambda: StaffLoginGuard.build(settings, staff))
    make_staff(engine, clock, "alice", Role.security)
    answers = [_login(client, "alice", f"Wrong-guess-{i}") for i in range(4)]
    assert answers == [401, 401, 401, 429]  # the username's limit
    assert _login(client, "bob", "Wrong-guess") == 401  # the IP's 5th
    assert _login(client, "carol", "Wrong-guess") == 429  # the IP's limit


def test_the_password_check_runs_off_the_event_loop(
    client: TestClient, engine: Engine, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_staff(engine, clock, "alice", Role.security)
    seen: list[bool] = []
    original = authenticate_staff

    def spy(*args: Any, **kwargs: Any) -> Any:
        try:
            asyncio.get_running_loop()
            seen.append(True)
        except RuntimeError:
            seen.append(False)  # a worker thread: no event loop here
        return original(*args, **kwargs)

    monkeypatch.setattr("brokerguard.web.pages.authenticate_staff", spy)
    assert _login(client, "alice", STAFF_PASSWORD) == 303
    assert seen == [False]


def test_cli_unlock_is_audited(
    client: TestClient,
    engine: Engine,
    clock: FixedClock,
    cli: Cli,  # noqa: F811
) -> None:
    _lock(client, engine, clock, "victim")
    code, out = cli("staff", "unlock", "victim")
    assert code == 0 and "victim unlocked" in out
    assert stored_events(engine)[-1].function == "staff.unlock"
    code, out = cli("staff", "unlock", "nobody")
    assert code == 2 and "nobody" in out
