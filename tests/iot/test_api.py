from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from brokerguard.clock import FixedClock
from brokerguard.staff.roles import Role
from tests.conftest import sign_in
from tests.iot.nmap_samples import host, scan

ASSET = {
    "asset_tag": "DVR-01",
    "name": "大廳監視器 DVR",
    "device_type": "dvr",
    "location": "1F 大廳",
    "ip_address": "10.30.0.5",
}


def test_asset_crud_and_errors(client: TestClient, engine: Engine, clock: FixedClock) -> None:
    assert client.get("/api/v1/iot/assets").status_code == 401
    sign_in(client, engine, clock, Role.security)
    created = client.post("/api/v1/iot/assets", json=ASSET)
    assert created.status_code == 201, created.text
    asset_id = created.json()["id"]
    duplicate = client.post("/api/v1/iot/assets", json=ASSET)
    assert duplicate.status_code == 409
    assert duplicate.json()["error"]["field"] == "asset_tag"
    bad = client.post("/api/v1/iot/assets", json={**ASSET, "asset_tag": "X", "mac": "nope"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "mac"
    extra = client.post("/api/v1/iot/assets", json={**ASSET, "asset_tag": "Y", "evil": 1})
    assert extra.status_code == 422
    huge = client.post("/api/v1/iot/assets", json={**ASSET, "asset_tag": "Z", "name": "x" * 300})
    assert huge.status_code == 422
    assert (
        client.post(
            "/api/v1/iot/assets", content=b"[", headers={"content-type": "application/json"}
        ).status_code
        == 422
    )
    updated = client.put(f"/api/v1/iot/assets/{asset_id}", json={**ASSET, "firmware_version": "V5"})
    assert updated.json()["firmware_version"] == "V5"
    assert client.get("/api/v1/iot/assets/nope").status_code == 404
    listed = client.get("/api/v1/iot/assets", params={"device_type": "dvr"}).json()
    assert [a["asset_tag"] for a in listed] == ["DVR-01"]
    assert client.get("/api/v1/iot/assets", params={"device_type": "toaster"}).status_code == 422
    export = client.get("/api/v1/iot/assets/export", params={"format": "xlsx"})
    assert export.status_code == 200 and export.content.startswith(b"PK")
    assert client.get("/api/v1/iot/assets/export", params={"format": "pdf"}).status_code == 422


def test_writes_need_csrf_and_a_writer_role(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    sign_in(client, engine, clock, Role.auditor)
    assert client.get("/api/v1/iot/assets").status_code == 200
    assert client.post("/api/v1/iot/assets", json=ASSET).status_code == 403
    del client.headers["X-CSRF-Token"]
    assert client.post("/api/v1/iot/assets", json=ASSET).json()["error"]["code"] == "csrf_failed"


def test_import_endpoint_reports_rows(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    sign_in(client, engine, clock, Role.security)
    content = "asset tag,name,device type\nA-1,DVR,dvr\nA-2,壞,toaster\n".encode()
    rejected = client.post(
        "/api/v1/iot/assets/import", files={"file": ("a.csv", content, "text/csv")}
    )
    assert rejected.status_code == 422 and rejected.json()["error"]["code"] == "import_rejected"
    loaded = client.post(
        "/api/v1/iot/assets/import",
        files={"file": ("a.csv", content, "text/csv")},
        data={"mode": "valid_rows"},
    )
    body = loaded.json()
    assert (body["loaded"], body["rejected"], body["errors"][0]["line"]) == (1, 1, 3)
    bad_mode = client.post(
        "/api/v1/iot/assets/import",
        files={"file": ("a.csv", content, "text/csv")},
        data={"mode": "some"},
    )
    assert bad_mode.status_code == 422 and bad_mode.json()["error"]["field"] == "mode"
    empty = client.post("/api/v1/iot/assets/import", files={"file": ("a.csv", b"", "text/csv")})
    assert empty.status_code == 422
    missing = client.post("/api/v1/iot/assets/import")
    assert missing.status_code == 422


def test_exception_workflow_over_http(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    sign_in(client, engine, clock, Role.security, username="alice")
    client.post("/api/v1/iot/assets", json={**ASSET, "asset_tag": "PBX-01", "device_type": "pbx"})
    requested = client.post(
        "/api/v1/iot/exceptions",
        json={
            "asset_tag": "PBX-01",
            "control": "A7.1.2",
            "reason": "停止更新",
            "compensating_controls": "獨立網段",
            "expires_on": "116/01/31",
        },
    )
    assert requested.status_code == 422  # ROC dates belong in imports, the API takes ISO
    requested = client.post(
        "/api/v1/iot/exceptions",
        json={
            "asset_tag": "PBX-01",
            "control": "A7.1.2",
            "reason": "停止更新",
            "compensating_controls": "獨立網段",
            "expires_on": "2027-01-31",
        },
    )
    assert requested.status_code == 201, requested.text
    exception_id = requested.json()["id"]
    own = client.post(f"/api/v1/iot/exceptions/{exception_id}/approve")
    assert own.status_code == 403 and own.json()["error"]["code"] == "self_approval"
    # a compliance officer approves
    sign_in(client, engine, clock, Role.compliance, username="bob")
    approved = client.post(f"/api/v1/iot/exceptions/{exception_id}/approve")
    assert approved.status_code == 200 and approved.json()["approver"] == "bob"


def test_scan_upload(client: TestClient, engine: Engine, clock: FixedClock) -> None:
    sign_in(client, engine, clock, Role.security)
    client.post("/api/v1/iot/assets", json=ASSET)
    content = scan(host("10.30.0.5"), host("10.30.0.66"))
    response = client.post("/api/v1/iot/scans", files={"file": ("s.xml", content, "text/xml")})
    assert response.status_code == 201 and response.json()["unregistered"] == 1
    scan_id = response.json()["id"]
    hosts = client.get(f"/api/v1/iot/scans/{scan_id}/hosts", params={"unregistered": True}).json()
    assert [h["ip_address"] for h in hosts] == ["10.30.0.66"]
    empty_reason = client.post(
        f"/api/v1/iot/scans/hosts/{hosts[0]['id']}/dismiss", json={"reason": ""}
    )
    assert empty_reason.status_code == 422
    hostile = client.post(
        "/api/v1/iot/scans",
        files={
            "file": (
                "s.xml",
                b'<!DOCTYPE nmaprun [<!ENTITY a "b">]><nmaprun>&a;</nmaprun>',
                "text/xml",
            )
        },
    )
    assert hostile.status_code == 422 and "entity" in hostile.json()["error"]["message"]


def test_html_forms_reshow_errors_by_field(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    token = sign_in(client, engine, clock, Role.security)
    form = {
        "csrf_token": token,
        "asset_tag": "DVR-9",
        "name": "n",
        "device_type": "dvr",
        "status": "active",
        "mac": "bad-mac",
        "purchased_on": "115/02/30",
    }
    response = client.post("/iot/assets/new", data=form, headers={"accept": "text/html"})
    assert response.status_code == 422
    assert "bad-mac" not in response.text or 'value="bad-mac"' in response.text
    assert "日期不存在：「115/02/30」" in response.text  # zh-TW page: the refusal in zh-TW
    form["purchased_on"] = "115/02/03"
    response = client.post("/iot/assets/new", data=form, headers={"accept": "text/html"})
    assert response.status_code == 422 and 'value="bad-mac"' in response.text
    form["mac"] = "00:11:22:33:44:55"
    response = client.post("/iot/assets/new", data=form, follow_redirects=False)
    assert response.status_code == 303
    listing = client.get("/iot/assets", headers={"accept": "text/html"}).text
    assert "DVR-9" in listing
    upload = client.post(
        "/iot/assets/import",
        data={"csrf_token": token, "mode": "all_or_nothing"},
        files={"file": ("a.csv", b"asset tag,name,device type\nDVR-9,x,dvr\n", "text/csv")},
    )
    assert upload.status_code == 422 and "already registered" in upload.text
