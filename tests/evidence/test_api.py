from __future__ import annotations

import hashlib

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from brokerguard.clock import FixedClock
from brokerguard.rulebook import load_rulebook
from brokerguard.staff.roles import Role
from tests.conftest import sign_in

CSV = "時間,帳號,結果\n2026-11-01,A123***,success\n".encode()


def _fields(**overrides: str) -> dict[str, str]:
    data = {
        "title": "登入紀錄抽樣",
        "kind": "login_records",
        "requirement_ids": load_rulebook().obligations()[0].id,
        "valid_until": "2027-01-31",
    }
    data.update(overrides)
    return data


def test_upload_list_one_and_content(client: TestClient, engine: Engine, clock: FixedClock) -> None:
    sign_in(client, engine, clock, Role.security)
    created = client.post(
        "/api/v1/evidence", data=_fields(), files={"file": ("sample.csv", CSV, "text/csv")}
    )
    assert created.status_code == 201, created.text
    record = created.json()
    assert record["sha256"] == hashlib.sha256(CSV).hexdigest()
    assert record["valid_until"] == "2027-01-31"
    assert [r["id"] for r in client.get("/api/v1/evidence").json()] == [record["id"]]
    by_requirement = client.get(
        "/api/v1/evidence", params={"requirement_id": record["requirement_ids"][0]}
    )
    assert [r["id"] for r in by_requirement.json()] == [record["id"]]
    assert client.get(f"/api/v1/evidence/{record['id']}").json()["title"] == "登入紀錄抽樣"
    content = client.get(f"/api/v1/evidence/{record['id']}/content")
    assert content.content == CSV
    assert content.headers["x-content-sha256"] == record["sha256"]


def test_unknown_ids_are_named(client: TestClient, engine: Engine, clock: FixedClock) -> None:
    sign_in(client, engine, clock, Role.security)
    bad = client.post(
        "/api/v1/evidence",
        data=_fields(requirement_ids="A9.1 A77.7"),
        files={"file": ("sample.csv", CSV, "text/csv")},
    )
    assert bad.status_code == 404
    assert bad.json()["error"]["code"] == "unknown_requirement"
    assert "A77.7" in bad.json()["error"]["message"]
    listing = client.get("/api/v1/evidence", params={"requirement_id": "B1"})
    assert listing.status_code == 404 and "B1" in listing.text
    assert client.get("/api/v1/evidence/no-such-id").status_code == 404
    assert client.get("/api/v1/evidence/" + "x" * 100).status_code == 422
    assert client.get("/api/v1/evidence", params={"limit": 0}).status_code == 422


def test_bad_uploads_are_refused_with_the_field(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    sign_in(client, engine, clock, Role.app_team)
    empty = client.post(
        "/api/v1/evidence", data=_fields(), files={"file": ("e.csv", b"", "text/csv")}
    )
    assert empty.status_code == 422 and empty.json()["error"]["field"] == "file"
    binary = client.post(
        "/api/v1/evidence", data=_fields(), files={"file": ("b.csv", b"\x00\x01", "text/csv")}
    )
    assert binary.status_code == 415
    missing = client.post("/api/v1/evidence", data=_fields())
    assert missing.status_code == 422 and missing.json()["error"]["field"] == "file"
    bad_date = client.post(
        "/api/v1/evidence",
        data=_fields(valid_until="31/31/31"),
        files={"file": ("s.csv", CSV, "text/csv")},
    )
    assert bad_date.status_code == 422 and bad_date.json()["error"]["field"] == "valid_until"
    assert client.get("/api/v1/evidence").json() == []


def test_auditor_reads_but_cannot_upload(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    sign_in(client, engine, clock, Role.auditor)
    refused = client.post(
        "/api/v1/evidence", data=_fields(), files={"file": ("s.csv", CSV, "text/csv")}
    )
    assert refused.status_code == 403
    assert client.get("/api/v1/evidence").status_code == 200
