"""Least privilege for the app team (issue 13, low): it writes the mobile-app records,
evidence, policy drafts and assessment runs, and nothing else. Before the fix `appteam`
could decide video-ID sessions, create deepfake sessions and edit the IoT, training and
social records."""

from __future__ import annotations

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from brokerguard.clock import FixedClock
from brokerguard.staff.roles import Role
from brokerguard.web.permissions import _flat, _roles_of
from tests.conftest import sign_in

#: path prefixes of the routes the app team may send changes to
APP_TEAM_WRITES = (
    "/api/v1/mobile/",
    "/mobile/",
    "/api/v1/evidence",
    "/evidence/upload",
    "/api/v1/policies",
    "/policies/",  # drafts and their documents (approval is compliance's)
    "/api/v1/assessment/runs",
    "/assessment/run",
)

#: changes the app team tried in the penetration test, and a few more of each domain
REFUSED = (
    "/api/v1/deepfake/sessions",
    "/api/v1/deepfake/sessions/any-id/review",
    "/deepfake",
    "/deepfake/any-id/review",
    "/api/v1/iot/assets",
    "/iot/assets/new",
    "/api/v1/training/courses",
    "/training/people",
    "/api/v1/social/posts",
    "/social/accounts",
    "/api/v1/devices",
    "/api/v1/findings",
    "/api/v1/phishing/cases",
)


def test_the_app_team_writes_only_its_own_records(client: TestClient) -> None:
    """Every route that changes data and lets the app team in is on the allow-list."""
    granted = []
    for route in _flat(client.app.routes):  # type: ignore[attr-defined]
        if not isinstance(route, APIRoute) or (route.methods or set()) <= {"GET", "HEAD"}:
            continue
        roles = _roles_of(route.dependant)
        if roles is not None and Role.app_team in roles:
            granted.append(route.path)
    assert granted, "the walk found no route the app team may write"
    stray = [path for path in granted if not path.startswith(APP_TEAM_WRITES)]
    assert stray == []


def test_the_app_team_is_refused_outside_its_records(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    sign_in(client, engine, clock, Role.app_team)
    for path in REFUSED:
        answer = client.post(path, json={}, headers={"accept": "application/json"})
        assert answer.status_code == 403, f"app team may post {path}: {answer.status_code}"
    assert client.post("/api/v1/mobile/apps", json={}).status_code == 422  # its own: allowed


def test_the_security_unit_keeps_those_writes(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    """The same requests pass the role check for the security unit (the walk can fail)."""
    sign_in(client, engine, clock, Role.security)
    for path in REFUSED:
        answer = client.post(path, json={}, headers={"accept": "application/json"})
        assert answer.status_code != 403, f"security refused {path}"
