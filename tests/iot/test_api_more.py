"""Every IoT endpoint with bad input, wrong roles and the happy path not covered elsewhere."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from brokerguard.clock import FixedClock
from brokerguard.staff.roles import Role
from tests.conftest import sign_in
from tests.iot.nmap_samples import host, scan

ASSET = {
    "asset_tag": "SEN-01",
    "name": "溫濕度感測器",
    "device_type": "sensor",
    "management_interface": False,
}
ASSESSMENT = {
    "asset_tag": "SEN-01",
    "assessed_on": "2026-06-01",
    "assessor": "林",
    "network_isolated": True,
    "remote_access_controlled": True,
}


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/iot/vendors", {"name": ""}, "name"),
        ("/api/v1/iot/vendors", {"name": "v", "support_end": "someday"}, "support_end"),
        ("/api/v1/iot/vendors", {"name": "v", "security_clauses": "perhaps"}, "security_clauses"),
        ("/api/v1/iot/assessments", {**ASSESSMENT, "assessed_on": "2026-13-01"}, "assessed_on"),
        ("/api/v1/iot/assessments", {**ASSESSMENT, "network_isolated": None}, "network_isolated"),
        ("/api/v1/iot/assessments", {**ASSESSMENT, "assessor": ""}, "assessor"),
        ("/api/v1/iot/assessments", {**ASSESSMENT, "assessed_on": "2027-01-01"}, "assessed_on"),
        ("/api/v1/iot/assessments", {**ASSESSMENT, "asset_tag": "NOPE"}, "asset_tag"),
        (
            "/api/v1/iot/exceptions",
            {
                "asset_tag": "SEN-01",
                "control": "A7.9",
                "reason": "r",
                "compensating_controls": "c",
                "expires_on": "2027-01-01",
            },
            "control",
        ),
        (
            "/api/v1/iot/exceptions",
            {
                "asset_tag": "SEN-01",
                "control": "A7.1.4",
                "reason": "",
                "compensating_controls": "c",
                "expires_on": "2027-01-01",
            },
            "reason",
        ),
        (
            "/api/v1/iot/exceptions",
            {
                "asset_tag": "SEN-01",
                "control": "A7.1.4",
                "reason": "r",
                "compensating_controls": "c",
                "expires_on": "2020-01-01",
            },
            "expires_on",
        ),
    ],
)
def test_bad_bodies_name_the_field(
    client: TestClient,
    engine: Engine,
    clock: FixedClock,
    path: str,
    body: dict[str, Any],
    field: str,
) -> None:
    sign_in(client, engine, clock, Role.security)
    assert client.post("/api/v1/iot/assets", json=ASSET).status_code == 201
    response = client.post(path, json=body)
    assert response.status_code in (404, 422), response.text
    assert response.json()["error"]["field"] == field


def test_vendors_assessments_and_exception_decisions(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    sign_in(client, engine, clock, Role.security, username="alice")
    client.post("/api/v1/iot/assets", json=ASSET)
    vendor = client.post("/api/v1/iot/vendors", json={"name": "研華", "security_clauses": True})
    assert vendor.status_code == 201
    assert client.post("/api/v1/iot/vendors", json={"name": "研華"}).status_code == 409
    changed = client.put(
        f"/api/v1/iot/vendors/{vendor.json()['id']}",
        json={"name": "研華", "support_end": "2030-12-31"},
    )
    assert changed.json()["support_end"] == "2030-12-31"
    assert client.put("/api/v1/iot/vendors/nope", json={"name": "x"}).status_code == 404
    recorded = client.post("/api/v1/iot/assessments", json=ASSESSMENT)
    assert recorded.status_code == 201 and recorded.json()["firmware_current"] is None
    assert len(client.get("/api/v1/iot/assessments").json()) == 1
    csv = client.get("/api/v1/iot/assessments/export").content.decode("utf-8-sig")
    assert "SEN-01" in csv
    imported = client.post(
        "/api/v1/iot/vendors/import",
        files={
            "file": ("v.csv", "供應商,合約含資安條款\n研華,是\n新廠商,否\n".encode(), "text/csv")
        },
        data={"mode": "valid_rows"},
    ).json()
    assert (imported["loaded"], imported["errors"][0]["line"]) == (1, 2)
    request = {
        "asset_tag": "SEN-01",
        "control": "A7.1.4",
        "reason": "r",
        "compensating_controls": "c",
        "expires_on": "2027-01-01",
    }
    first = client.post("/api/v1/iot/exceptions", json=request).json()["id"]
    second = client.post("/api/v1/iot/exceptions", json=request).json()["id"]
    sign_in(client, engine, clock, Role.app_team, username="carol")
    assert client.post(f"/api/v1/iot/exceptions/{first}/approve").status_code == 403
    sign_in(client, engine, clock, Role.security, username="bob")
    assert client.post(f"/api/v1/iot/exceptions/{first}/reject").json()["status"] == "rejected"
    assert client.post(f"/api/v1/iot/exceptions/{first}/approve").status_code == 409
    assert client.post(f"/api/v1/iot/exceptions/{second}/approve").json()["status"] == "approved"
    assert client.post(f"/api/v1/iot/exceptions/{second}/close").json()["status"] == "closed"
    assert client.post(f"/api/v1/iot/exceptions/{second}/close").status_code == 409
    assert client.post("/api/v1/iot/exceptions/nope/approve").status_code == 404
    xlsx = client.get("/api/v1/iot/exceptions/export", params={"format": "xlsx"})
    assert xlsx.content.startswith(b"PK")


def test_scan_hosts_and_dismissal(client: TestClient, engine: Engine, clock: FixedClock) -> None:
    sign_in(client, engine, clock, Role.security)
    scan_id = client.post(
        "/api/v1/iot/scans", files={"file": ("s.xml", scan(host("10.1.1.1")), "text/xml")}
    ).json()["id"]
    hosts = client.get(f"/api/v1/iot/scans/{scan_id}/hosts").json()
    dismissed = client.post(
        f"/api/v1/iot/scans/hosts/{hosts[0]['id']}/dismiss", json={"reason": "訪客筆電"}
    )
    assert dismissed.json()["dismissed_reason"] == "訪客筆電"
    assert client.get("/api/v1/iot/scans").json()[0]["unregistered"] == 0
    assert client.get("/api/v1/iot/scans/nope/hosts").status_code == 404
    assert (
        client.post("/api/v1/iot/scans/hosts/nope/dismiss", json={"reason": "x"}).status_code == 404
    )
    too_long = client.post(
        f"/api/v1/iot/scans/hosts/{hosts[0]['id']}/dismiss", json={"reason": "x" * 2001}
    )
    assert too_long.status_code == 422
    empty = client.post("/api/v1/iot/scans", files={"file": ("s.xml", b"", "text/xml")})
    assert empty.status_code == 422


def test_exception_pages(client: TestClient, engine: Engine, clock: FixedClock) -> None:
    token = sign_in(client, engine, clock, Role.security, username="alice")
    client.post("/api/v1/iot/assets", json=ASSET)
    form = {
        "csrf_token": token,
        "asset_tag": "SEN-01",
        "control": "A7.1.4",
        "reason": "r",
        "compensating_controls": "c",
        "expires_on": "116/01/31",
    }
    assert client.post("/iot/exceptions/new", data=form, follow_redirects=False).status_code == 303
    exception_id = client.get("/api/v1/iot/exceptions").json()[0]["id"]
    own = client.post(
        f"/iot/exceptions/{exception_id}/decide",
        data={"csrf_token": token, "decision": "approve"},
        headers={"accept": "text/html"},
    )
    assert own.status_code == 403
    bad = client.post(
        f"/iot/exceptions/{exception_id}/decide", data={"csrf_token": token, "decision": "maybe"}
    )
    assert bad.status_code == 422
    page = client.get("/iot/exceptions", headers={"accept": "text/html"})
    assert "SEN-01" in page.text and "116/01/31" in page.text


def test_asset_detail_page(client: TestClient, engine: Engine, clock: FixedClock) -> None:
    sign_in(client, engine, clock, Role.security)
    asset_id = client.post("/api/v1/iot/assets", json=ASSET).json()["id"]
    client.post("/api/v1/iot/assessments", json=ASSESSMENT)
    page = client.get(f"/iot/assets/{asset_id}", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "A7.1.7" in page.text and "115/06/01" in page.text
    listing = client.get("/iot/assets", headers={"accept": "text/html"}).text
    assert f'href="/iot/assets/{asset_id}"' in listing
    assert client.get("/iot/assets/new", headers={"accept": "text/html"}).status_code == 200
    assert client.get("/iot/assets/nope", headers={"accept": "text/html"}).status_code == 404
