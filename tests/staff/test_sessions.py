"""Pentest finding 3: staff logout did not end the session.

Was: sessions were signed cookies with no server state; a cookie saved before
``POST /logout`` still got ``GET /api/v1/me`` 200 and ``POST /api/v1/findings`` 201
for up to 8 hours. Now sessions are rows: logout, a password or role change and
disabling the account end them; idle 30 minutes and 8 hours absolute; the CSRF token
is derived on the server and is not in the cookie.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from brokerguard.clock import FixedClock
from brokerguard.db.engine import session_factory
from brokerguard.staff.models import StaffSession
from brokerguard.staff.roles import Role
from brokerguard.staff.service import change_staff_password, disable_staff, set_staff_roles
from tests.cli_helpers import Cli, cli  # noqa: F401 - the fixture
from tests.conftest import sign_in

FINDING = {"requirement_id": "A9.7", "title": "lockout review"}


def _copy(client: TestClient) -> dict[str, str]:
    return {"bg_session": client.cookies["bg_session"]}


def _replay(client: TestClient, cookie: dict[str, str], token: str) -> tuple[int, int]:
    client.cookies.clear()
    client.cookies.update(cookie)
    me = client.get("/api/v1/me").status_code
    created = client.post("/api/v1/findings", json=FINDING, headers={"X-CSRF-Token": token})
    return me, created.status_code


def test_a_cookie_saved_before_logout_is_dead(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    token = sign_in(client, engine, clock, Role.security)
    saved = _copy(client)
    assert _replay(client, saved, token) == (200, 201)
    client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert _replay(client, saved, token) == (401, 401)
    with session_factory(engine)() as s:
        (row,) = s.scalars(select(StaffSession))
        assert row.revoke_reason == "logout" and row.revoked_at is not None


@pytest.mark.parametrize(
    "change",
    [
        lambda s, c: change_staff_password(s, c, "security-user", "Another-horse-77-battery"),
        lambda s, c: set_staff_roles(s, c, "security-user", {Role.auditor}),
        lambda s, c: disable_staff(s, c, "security-user"),
    ],
    ids=["password", "roles", "disabled"],
)
def test_credential_changes_end_the_sessions(
    client: TestClient, engine: Engine, clock: FixedClock, change: Callable[..., int]
) -> None:
    token = sign_in(client, engine, clock, Role.security)
    saved = _copy(client)
    with session_factory(engine)() as s:
        assert change(s, clock) == 1
        s.commit()
    assert _replay(client, saved, token) == (401, 401)


def test_idle_and_absolute_timeouts(client: TestClient, engine: Engine, clock: FixedClock) -> None:
    sign_in(client, engine, clock, Role.auditor)
    for _ in range(16):  # active every 29 minutes: alive for almost 8 hours
        clock.advance(timedelta(minutes=29))
        assert client.get("/api/v1/me").status_code == 200
    clock.advance(timedelta(minutes=29))  # 8 h 13 min after sign-in
    assert client.get("/api/v1/me").status_code == 401
    sign_in(client, engine, clock, Role.auditor, username="second-auditor")
    clock.advance(timedelta(minutes=31))
    assert client.get("/api/v1/me").status_code == 401


def test_the_csrf_token_is_not_in_the_cookie(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    token = sign_in(client, engine, clock, Role.security)
    payload = client.cookies["bg_session"].split(".")[0]
    decoded = base64.b64decode(payload + "=" * (-len(payload) % 4)).decode()
    assert token not in decoded and set(json.loads(decoded)) == {"sid"}
    refused = client.post("/api/v1/findings", json=FINDING, headers={"X-CSRF-Token": "x" * 64})
    assert refused.status_code == 403


def test_staff_commands_end_sessions(
    client: TestClient,
    engine: Engine,
    clock: FixedClock,
    cli: Cli,  # noqa: F811
) -> None:
    sign_in(client, engine, clock, Role.security)
    code, out = cli("staff", "set-roles", "security-user", "--role", "auditor")
    assert code == 0 and "1 session(s) ended" in out
    assert client.get("/api/v1/me").status_code == 401
    code, out = cli("staff", "set-roles", "nobody", "--role", "auditor")
    assert code == 2 and "nobody" in out
    code, out = cli("staff", "set-roles", "security-user", "--role", "king")
    assert code == 2 and "unknown role" in out
    code, out = cli("staff", "set-password", "security-user", input="short\n")
    assert code == 2 and "--password-stdin" in out
    code, out = cli("staff", "disable", "security-user")
    assert code == 0 and "disabled" in out
