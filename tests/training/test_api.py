"""The training API and pages, which also exercise the register kit's web layer."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import Engine

from brokerguard.clock import FixedClock
from brokerguard.staff.roles import Role
from tests.conftest import sign_in

PEOPLE = "/api/v1/training/people"
CSV = "員工編號,姓名,單位,職務\nE001,王小明,資訊部,網管\nE002,林美華,資訊部,網管\n"


def test_requires_sign_in(client: TestClient) -> None:
    assert client.get(PEOPLE).status_code == 401
    assert (
        client.get("/training", headers={"Accept": "text/html"}, follow_redirects=False).status_code
        == 303
    )


def test_create_get_update_list(client: TestClient, engine: Engine, clock: FixedClock) -> None:
    sign_in(client, engine, clock, Role.security)
    created = client.post(
        PEOPLE,
        json={
            "values": {
                "employee_id": "E001",
                "name": "王小明",
                "unit": "資訊部",
                "role": "網管",
                "active": True,
            }
        },
    )
    assert created.status_code == 201, created.text
    item_id = created.json()["id"]
    assert client.get(f"{PEOPLE}/{item_id}").json()["name"] == "王小明"
    updated = client.put(f"{PEOPLE}/{item_id}", json={"values": {"unit": "營運部"}})
    assert updated.json()["unit"] == "營運部"
    assert [p["employee_id"] for p in client.get(PEOPLE).json()["items"]] == ["E001"]


@pytest.mark.parametrize(
    "body",
    [
        {"values": {"employee_id": "", "name": "x", "unit": "u", "role": "r"}},
        {"values": {"employee_id": "E1", "name": "x", "unit": "u", "role": "r", "bogus": 1}},
        {"values": {"employee_id": "E1", "name": "x" * 5000, "unit": "u", "role": "r"}},
        {"values": {"employee_id": "E1", "name": ["x"], "unit": "u", "role": "r"}},
        {"values": "nope"},
        {},
    ],
)
def test_bad_bodies_are_422_with_field(
    client: TestClient, engine: Engine, clock: FixedClock, body: object
) -> None:
    sign_in(client, engine, clock, Role.security)
    response = client.post(PEOPLE, json=body)
    assert response.status_code == 422
    assert "field" in response.json()["error"]


def test_auditor_reads_but_cannot_write(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    sign_in(client, engine, clock, Role.auditor)
    assert client.get(PEOPLE).status_code == 200
    response = client.post(
        PEOPLE, json={"values": {"employee_id": "E1", "name": "x", "unit": "u", "role": "r"}}
    )
    assert response.status_code == 403
    files = {"file": ("p.csv", CSV.encode(), "text/csv")}
    assert client.post(f"{PEOPLE}/import", files=files).status_code == 403


def test_csrf_required(client: TestClient, engine: Engine, clock: FixedClock) -> None:
    sign_in(client, engine, clock, Role.security)
    del client.headers["X-CSRF-Token"]
    response = client.post(
        PEOPLE, json={"values": {"employee_id": "E1", "name": "x", "unit": "u", "role": "r"}}
    )
    assert response.status_code == 403


def test_import_modes_and_export(client: TestClient, engine: Engine, clock: FixedClock) -> None:
    sign_in(client, engine, clock, Role.security)
    bad = CSV + "E003,,資訊部,網管\n"
    rejected = client.post(
        f"{PEOPLE}/import", files={"file": ("p.csv", bad.encode("cp950"), "text/csv")}
    )
    assert rejected.status_code == 422
    assert rejected.json()["error"]["code"] == "import_rejected"
    assert client.get(PEOPLE).json()["items"] == []
    loaded = client.post(
        f"{PEOPLE}/import",
        files={"file": ("p.csv", bad.encode("cp950"), "text/csv")},
        data={"mode": "valid_rows"},
    )
    assert loaded.status_code == 200
    assert loaded.json()["created"] == 2
    assert loaded.json()["errors"][0]["line"] == 4
    csv_export = client.get(f"{PEOPLE}/export?format=csv")
    assert csv_export.content.startswith(b"\xef\xbb\xbf")
    assert "王小明" in csv_export.content.decode("utf-8-sig")
    xlsx = client.get(f"{PEOPLE}/export?format=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    assert sheet.max_row == 3
    assert client.get(f"{PEOPLE}/export?format=exe").status_code == 422


@pytest.mark.parametrize(
    ("files", "data", "status"),
    [
        ({"file": ("p.csv", b"", "text/csv")}, {}, 422),
        ({"file": ("p.exe", b"MZ", "application/octet-stream")}, {}, 415),
        ({"file": ("p.csv", CSV.encode(), "text/csv")}, {"mode": "yolo"}, 422),
        ({"file": ("p.csv", b"a,b\n1,2\n", "text/csv")}, {}, 422),
        (None, {}, 422),
    ],
)
def test_bad_imports(
    client: TestClient,
    engine: Engine,
    clock: FixedClock,
    files: object,
    data: dict[str, str],
    status: int,
) -> None:
    sign_in(client, engine, clock, Role.security)
    response = client.post(f"{PEOPLE}/import", files=files, data=data)
    assert response.status_code == status


def test_completion_and_overdue_api(client: TestClient, engine: Engine, clock: FixedClock) -> None:
    sign_in(client, engine, clock, Role.security)
    client.post(f"{PEOPLE}/import", files={"file": ("p.csv", CSV.encode(), "text/csv")})
    client.post(
        "/api/v1/training/courses",
        json={
            "values": {
                "code": "IOT-1",
                "title": "IoT",
                "topic": "iot",
                "audience_units": "資訊部",
                "frequency_months": 12,
            }
        },
    )
    client.post(
        "/api/v1/training/attendance",
        json={
            "values": {"employee_id": "E001", "course_code": "IOT-1", "completed_on": "115/06/01"}
        },
    )
    overdue = client.get("/api/v1/training/overdue").json()["items"]
    assert [o["employee_id"] for o in overdue] == ["E002"]
    completion = client.get("/api/v1/training/completion?topic=iot").json()
    assert completion["by_unit"] == [
        {"group": "資訊部", "required": 2, "current": 1, "percent": 50}
    ]
    assert client.get("/api/v1/training/completion?topic=<x>").status_code == 422


def test_pages_render_and_forms_reshow_errors(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    token = sign_in(client, engine, clock, Role.security)
    for path in ("/training", "/training/people", "/training/courses", "/training/attendance"):
        assert client.get(path).status_code == 200, path
    response = client.post(
        "/training/people",
        data={
            "csrf_token": token,
            "employee_id": "E 1",
            "name": "<b>王</b>",
            "unit": "u",
            "role": "r",
        },
    )
    assert response.status_code == 422
    assert "&lt;b&gt;王&lt;/b&gt;" in response.text  # re-shown, escaped
    ok = client.post(
        "/training/people",
        data={"csrf_token": token, "employee_id": "E1", "name": "王", "unit": "u", "role": "r"},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    page = client.get("/training/people").text
    assert "E1" in page
    item_id = client.get(PEOPLE).json()["items"][0]["id"]
    assert client.get(f"/training/people/{item_id}/edit").status_code == 200
    edited = client.post(
        f"/training/people/{item_id}/edit",
        data={"csrf_token": token, "employee_id": "E1", "name": "王二", "unit": "u", "role": "r"},
        follow_redirects=False,
    )
    assert edited.status_code == 303
    imported = client.post(
        "/training/people/import",
        data={"csrf_token": token, "mode": "valid_rows"},
        files={"file": ("p.csv", CSV.encode(), "text/csv")},
    )
    assert imported.status_code == 200 and "2" in imported.text
    assert client.get("/training/people/export.xlsx").status_code == 200
    assert client.get("/training/people/nope/edit").status_code == 404


def test_list_paging(client: TestClient, engine: Engine, clock: FixedClock) -> None:
    sign_in(client, engine, clock, Role.security)
    client.post(f"{PEOPLE}/import", files={"file": ("p.csv", CSV.encode(), "text/csv")})
    page = client.get(f"{PEOPLE}?limit=1&offset=1").json()
    assert (page["total"], page["offset"], len(page["items"])) == (2, 1, 1)
    assert page["items"][0]["employee_id"] == "E002"
    for bad in ("limit=0", "limit=999999", "offset=-1", "limit=abc"):
        assert client.get(f"{PEOPLE}?{bad}").status_code == 422, bad
