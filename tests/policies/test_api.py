from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from brokerguard.clock import FixedClock
from brokerguard.rulebook import load_rulebook
from brokerguard.staff.roles import Role
from tests.conftest import sign_in


def _body(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "title": "行動應用程式資訊安全管理程序",
        "version": "3.0",
        "owner_unit": "數位金融部",
        "requirement_ids": [load_rulebook().obligations()[0].id],
    }
    body.update(overrides)
    return body


def test_create_list_approve(client: TestClient, engine: Engine, clock: FixedClock) -> None:
    sign_in(client, engine, clock, Role.compliance)
    created = client.post("/api/v1/policies", json=_body())
    assert created.status_code == 201
    policy = created.json()
    assert policy["status"] == "draft"
    approved = client.post(
        f"/api/v1/policies/{policy['id']}/approve",
        json={"approver": "董事會", "approved_on": "2026-11-01", "next_review": "2027-11-01"},
    )
    assert approved.status_code == 422  # a free-text approver proves nothing
    assert approved.json()["error"]["field"] == "approver"
    approved = client.post(
        f"/api/v1/policies/{policy['id']}/approve",
        json={
            "approver": "compliance-user",  # the signed-in compliance staff user
            "approved_on": "2026-11-01",
            "next_review": "2027-11-01",
        },
    )
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"
    assert [p["id"] for p in client.get("/api/v1/policies").json()] == [policy["id"]]


def test_bad_input(client: TestClient, engine: Engine, clock: FixedClock) -> None:
    sign_in(client, engine, clock, Role.admin)
    unknown = client.post("/api/v1/policies", json=_body(requirement_ids=["A9.1", "A0.0"]))
    assert unknown.status_code == 404 and "A0.0" in unknown.json()["error"]["message"]
    assert client.post("/api/v1/policies", json=_body(requirement_ids=[])).status_code == 422
    assert client.post("/api/v1/policies", json=_body(title="x" * 300)).status_code == 422
    assert client.post("/api/v1/policies", json=_body(version="")).status_code == 422
    assert client.post("/api/v1/policies", content=b"\xff\xfe").status_code == 422
    policy_id = client.post("/api/v1/policies", json=_body()).json()["id"]
    backwards = client.post(
        f"/api/v1/policies/{policy_id}/approve",
        json={"approver": "x", "approved_on": "2026-11-01", "next_review": "2026-10-01"},
    )
    assert backwards.status_code == 422 and backwards.json()["error"]["field"] == "next_review"
    not_a_date = client.post(
        f"/api/v1/policies/{policy_id}/approve",
        json={"approver": "x", "approved_on": "soon", "next_review": "2027-10-01"},
    )
    assert not_a_date.status_code == 422
    missing = client.post(
        "/api/v1/policies/none/approve",
        json={"approver": "x", "approved_on": "2026-11-01", "next_review": "2027-10-01"},
    )
    assert missing.status_code == 404


def test_only_compliance_or_admin_approve(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    sign_in(client, engine, clock, Role.app_team)
    policy_id = client.post("/api/v1/policies", json=_body()).json()["id"]
    refused = client.post(
        f"/api/v1/policies/{policy_id}/approve",
        json={"approver": "x", "approved_on": "2026-11-01", "next_review": "2027-10-01"},
    )
    assert refused.status_code == 403
