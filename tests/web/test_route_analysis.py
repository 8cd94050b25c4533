"""The test apps share FastAPI's analysis of each route (tests/route_analysis.py), and
each app keeps its own dependency overrides."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from brokerguard.clock import FixedClock
from brokerguard.config import settings_with
from brokerguard.web.app import create_app
from brokerguard.web.textguard import refuse_unsafe_text
from tests.conftest import ROUTE_ANALYSIS, T0, sqlite_copy

#: a right-to-left override in a query value: the text policy refuses it with a 422
UNSAFE = "/login?next=%E2%80%AEgpj.exe"


def _client(folder: Path, template: Path) -> TestClient:
    folder.mkdir()
    engine = sqlite_copy(template, folder)
    settings = settings_with(
        database_url=engine.url.render_as_string(hide_password=False), data_dir=folder / "var"
    )
    app = create_app(settings, engine=engine, clock=FixedClock(T0))
    return TestClient(app, base_url="http://127.0.0.1")


def test_a_second_app_reuses_the_analysis_and_keeps_its_own_overrides(
    tmp_path: Path, sqlite_template: Path
) -> None:
    if ROUTE_ANALYSIS is None:
        pytest.fail("this FastAPI lacks the internals tests/route_analysis.py memoizes: update it")
    with _client(tmp_path / "a", sqlite_template) as first:
        first.app.dependency_overrides[refuse_unsafe_text] = lambda: None  # type: ignore[attr-defined]
        assert first.get(UNSAFE).status_code == 200
        analysed = ROUTE_ANALYSIS.routes_analysed
        assert analysed > 100  # every route of the app on the way to /login
        with _client(tmp_path / "b", sqlite_template) as second:
            refused = second.get(UNSAFE)
            assert refused.status_code == 422, refused.text
            assert refused.json()["error"]["field"] == "next"
            # nothing analysed again but the endpoint create_app makes per app (healthz;
            # not kept once the process holds MAX_ANALYSES)
            assert ROUTE_ANALYSIS.routes_analysed - analysed in (0, 1)
        assert first.get(UNSAFE).status_code == 200  # the first app's override still holds
        del first.app.dependency_overrides[refuse_unsafe_text]  # type: ignore[attr-defined]
        assert first.get(UNSAFE).status_code == 422
