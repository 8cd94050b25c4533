from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from brokerguard.clock import FixedClock
from brokerguard.staff.roles import Role
from tests.conftest import sign_in

PAGES = (
    "/iot/assets",
    "/iot/assets/new",
    "/iot/assets/import",
    "/iot/vendors",
    "/iot/vendors/new",
    "/iot/assessments",
    "/iot/assessments/new",
    "/iot/exceptions",
    "/iot/exceptions/new",
    "/iot/scans",
    "/devices",
    "/devices/register",
    "/devices/register/new",
    "/devices/register/import",
    "/findings",
    "/findings/new",
    "/findings/import",
    "/findings/from-check",
)


def test_every_register_page_renders(client: TestClient, engine: Engine, clock: FixedClock) -> None:
    sign_in(client, engine, clock, Role.security)
    for path in PAGES:
        response = client.get(path, headers={"accept": "text/html"})
        assert response.status_code == 200, (path, response.text[:500])
        assert "<h1>" in response.text
