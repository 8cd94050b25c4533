"""The demo firm, built once per test module, signed in as each role (issue 17 UI tests)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from brokerguard.cli.demo import ACCOUNTS, load_firm, run_demo_assessments
from brokerguard.clock import FixedClock
from brokerguard.config import settings_with
from brokerguard.db.engine import make_engine
from brokerguard.web.app import create_app
from tests.conftest import T0, sqlite_copy

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="module")
def demo_firm(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[Callable[[str], TestClient]]:
    """``client_for(username)``: a client signed in as a demo account (admin, security,
    compliance, auditor, appteam) on one demo database shared by the module."""
    folder = tmp_path_factory.mktemp("demo-firm")
    engine = sqlite_copy(sqlite_template, folder)
    settings = settings_with(
        database_url=engine.url.render_as_string(hide_password=False), data_dir=folder / "var"
    )
    clock = FixedClock(T0)
    _, passwords = load_firm(engine, settings, clock)
    run_demo_assessments(engine, settings, clock)
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
