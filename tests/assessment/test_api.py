from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from brokerguard.clock import FixedClock
from brokerguard.rulebook import load_rulebook
from brokerguard.staff.roles import Role
from tests.conftest import sign_in


def test_run_latest_and_history(client: TestClient, engine: Engine, clock: FixedClock) -> None:
    sign_in(client, engine, clock, Role.security)
    missing = client.get("/api/v1/assessment/latest")
    assert missing.status_code == 404
    created = client.post("/api/v1/assessment/runs")
    assert created.status_code == 201
    body = created.json()
    assert {r["id"] for r in body["requirements"]} == set(load_rulebook().requirements)
    latest = client.get("/api/v1/assessment/latest").json()
    assert latest["run_id"] == body["run_id"]
    runs = client.get("/api/v1/assessment/runs").json()
    assert [r["run_id"] for r in runs] == [body["run_id"]]
    assert 0.0 <= runs[0]["pass_rate"] <= 1.0


def test_scoped_run_and_unknown_scope(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    sign_in(client, engine, clock, Role.admin)
    first = load_rulebook().ordered()[0]
    scoped = client.post("/api/v1/assessment/runs", json={"scope": first.id})
    assert scoped.status_code == 201
    assert {r["id"] for r in scoped.json()["requirements"]} >= {first.id}
    unknown = client.post("/api/v1/assessment/runs", json={"scope": "A42"})
    assert unknown.status_code == 404
    assert "A42" in unknown.json()["error"]["message"]
    too_long = client.post("/api/v1/assessment/runs", json={"scope": "A" * 500})
    assert too_long.status_code == 422
    assert client.post("/api/v1/assessment/runs", content=b"{not json").status_code == 422
    assert client.get("/api/v1/assessment/runs?limit=0").status_code == 422


def test_auditor_reads_but_cannot_run(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    sign_in(client, engine, clock, Role.auditor)
    assert client.post("/api/v1/assessment/runs").status_code == 403
    assert client.get("/api/v1/assessment/runs").status_code == 200


def test_api_needs_sign_in_and_openapi_renders(client: TestClient) -> None:
    assert client.get("/api/v1/assessment/runs").status_code == 401
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "/static/swagger/swagger-ui-bundle.js" in docs.text
    assert "https://" not in docs.text  # no CDN: the CSP would block it
    assert "<script>" not in docs.text  # no inline script either
    assert 'data-openapi-url="/api/v1/openapi.json"' in docs.text
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "init.js"):
        assert client.get(f"/static/swagger/{asset}").status_code == 200
    schema = client.get("/api/v1/openapi.json").json()
    for path in ("/api/v1/assessment/runs", "/api/v1/evidence", "/api/v1/policies"):
        assert path in schema["paths"]
