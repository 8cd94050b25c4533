from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from brokerguard.clock import FixedClock
from brokerguard.staff.roles import Role
from tests.attestations.test_service import CLOUD_RULES
from tests.conftest import sign_in

API = "/api/v1/attestations"


def test_rulebook_upload(client: TestClient, engine: Engine, clock: FixedClock) -> None:
    sign_in(client, engine, clock, Role.compliance)
    form = {"name": "雲端服務運作安全自律規範", "version": "114", "requirement_id": "A4.1"}
    ok = client.post(
        f"{API}/rulebooks",
        data=form,
        files={"file": ("cloud.yaml", CLOUD_RULES.encode(), "application/yaml")},
    )
    assert ok.status_code == 201, ok.text
    assert ok.json()["requirement_ids"] == ["A4.1", "A4.1.1"]
    again = client.post(
        f"{API}/rulebooks",
        data=form,
        files={"file": ("cloud.yaml", CLOUD_RULES.encode(), "application/yaml")},
    )
    assert again.status_code == 409
    broken = client.post(
        f"{API}/rulebooks",
        data={**form, "version": "115"},
        files={
            "file": (
                "cloud.yaml",
                CLOUD_RULES.replace("kind: record", "kind: ?").encode(),
                "application/yaml",
            )
        },
    )
    assert broken.status_code == 422
    assert "cloud.yaml:" in broken.json()["error"]["message"]
    assert client.post(f"{API}/rulebooks", data=form).status_code == 422
    assert len(client.get(f"{API}/rulebooks").json()["items"]) == 1


def test_attestation_register(client: TestClient, engine: Engine, clock: FixedClock) -> None:
    sign_in(client, engine, clock, Role.compliance)
    values = {
        "requirement_id": "A11.1",
        "referenced_rule": "證券商運用人工智慧技術作業規範",
        "rule_version": "113 年版",
        "attested_by": "compliance-user",
        "attested_on": "2026-09-01",
        "next_due": "2027-09-01",
    }
    free_text = client.post(
        API + "/items", json={"values": {**values, "attested_by": "法遵主管 陳"}}
    )
    assert free_text.status_code == 422, free_text.text
    assert free_text.json()["error"]["field"] == "attested_by"
    assert client.post(API + "/items", json={"values": values}).status_code == 201
    assert client.post(API + "/items", json={"values": values}).status_code == 422  # duplicate
    assert (
        client.post(API + "/items", json={"values": {**values, "requirement_id": "A1"}}).status_code
        == 422
    )
    assert client.get(API + "/items/export?format=xlsx").status_code == 200


def test_pages(client: TestClient, engine: Engine, clock: FixedClock) -> None:
    token = sign_in(client, engine, clock, Role.compliance)
    assert client.get("/attestations").status_code == 200
    assert client.get("/attestations/rulebooks").status_code == 200
    bad = client.post(
        "/attestations/rulebooks",
        data={"csrf_token": token, "name": "n", "version": "v", "requirement_id": "A4.1"},
        files={"file": ("x.yaml", b"article: [", "application/yaml")},
    )
    assert bad.status_code == 422 and "YAML" in bad.text
