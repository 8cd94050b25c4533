"""The demo firm, built once per test module, signed in as each role (issue 17 UI tests)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from brokerguard.cli.demo import ACCOUNTS
from brokerguard.clock import FixedClock
from brokerguard.db.engine import make_engine
from brokerguard.web.app import create_app
from tests.conftest import T0, DemoFirm, demo_copy

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="module")
def demo_firm(
    tmp_path_factory: pytest.TempPathFactory, demo_template: DemoFirm
) -> Iterator[Callable[[str], TestClient]]:
    """``client_for(username)``: a client signed in as a demo account (admin, security,
    compliance, auditor, appteam) on one demo database shared by the module (a copy of
    the demo firm built once per test process)."""
    engine, settings, passwords = demo_copy(demo_template, tmp_path_factory.mktemp("demo-firm"))
    clock = FixedClock(T0)
    app = create_app(settings, engine=make_engine(settings.database_url), clock=clock)
    clients: list[TestClient] = []

    def client_for(username: str) -> TestClient:
        client = TestClient(app, base_url="https://testserver", follow_redirects=False)
        clients.append(client)
        token = CSRF.search(client.get("/login").text)
        assert token is not None
        answer = client.post(
            "/login",
            data={"username": username, "password": passwords[username], "csrf_token": token[1]},
        )
        assert answer.status_code == 303, f"{username} could not sign in"
        return client

    assert {a.username for a in ACCOUNTS} >= {"admin", "auditor", "appteam"}
    yield client_for
    for client in clients:
        client.close()
    engine.dispose()
