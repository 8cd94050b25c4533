"""Issue 20 item 2: one text policy at every edge, exports that never break on stored text."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import Engine, text

from brokerguard.clock import FixedClock
from brokerguard.staff.roles import Role
from tests.cli_helpers import Cli, cli  # noqa: F401
from tests.conftest import sign_in
from tests.web.test_strict_types import DEVICE

ASSET = {"asset_tag": "PBX-01", "name": "總機", "device_type": "pbx"}
EXCEPTION = {
    "asset_tag": "PBX-01",
    "control": "A7.1.2",
    "reason": "停止更新",
    "compensating_controls": "獨立網段",
    "expires_on": "2027-01-31",
}
FINDING = {"requirement_id": "A9.3", "title": "登入失敗未告警", "due_date": "2026-12-31"}
#: the exact values the fuzzer stored (issue 20)
PLAN = "\u0088補正\u000e計畫"
NOTE = "\u0018"
REASON = "\u001dth"


def _error(response: object, field: str) -> dict[str, str]:
    body = response.json()  # type: ignore[attr-defined]
    assert response.status_code == 422, body  # type: ignore[attr-defined]
    assert body["error"]["code"] == "invalid_input"
    assert body["error"]["field"] == field
    return dict(body["error"])


def test_the_issue_inputs_are_refused_naming_the_field(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    sign_in(client, engine, clock, Role.security)
    finding = client.post("/api/v1/findings", json=FINDING)
    assert finding.status_code == 201, finding.text
    finding_id = finding.json()["id"]

    error = _error(client.post(f"/api/v1/findings/{finding_id}/plan", json={"plan": PLAN}), "plan")
    assert "U+0088" in error["message"]
    _error(client.post(f"/api/v1/findings/{finding_id}/close", json={"note": NOTE}), "note")
    assert client.post("/api/v1/iot/assets", json=ASSET).status_code == 201
    _error(client.post("/api/v1/iot/exceptions", json={**EXCEPTION, "reason": REASON}), "reason")
    _error(client.post("/api/v1/devices", json={**DEVICE, "notes": REASON}), "notes")
    # nothing was written by the refused calls
    assert client.get(f"/api/v1/findings/{finding_id}").json()["plan"] == ""
    assert client.get("/api/v1/iot/exceptions").json() == []


def test_multiline_fields_keep_line_breaks(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    sign_in(client, engine, clock, Role.security)
    finding_id = client.post("/api/v1/findings", json=FINDING).json()["id"]
    planned = client.post(
        f"/api/v1/findings/{finding_id}/plan", json={"plan": "一、更新\r\n二、複測"}
    )
    assert planned.status_code == 200, planned.text
    assert planned.json()["plan"] == "一、更新\n二、複測"
    # a one-line field refuses the line break the multi-line one keeps
    _error(client.post("/api/v1/findings", json={**FINDING, "title": "a\nb"}), "title")


def test_query_path_and_form_values_follow_the_same_policy(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    sign_in(client, engine, clock, Role.security)
    _error(client.get("/api/v1/findings", params={"requirement_id": "A9\u202e"}), "requirement_id")
    _error(client.get("/api/v1/findings/x%07y"), "finding_id")
    finding_id = client.post("/api/v1/findings", json=FINDING).json()["id"]
    upload = client.post(
        f"/api/v1/findings/{finding_id}/close-with-file",
        data={"note": "結案\u0018"},
        files={"file": ("report.pdf", b"%PDF-1.4 test", "application/pdf")},
    )
    _error(upload, "note")
    renamed = client.post(
        f"/api/v1/findings/{finding_id}/close-with-file",
        data={"note": "結案"},
        files={"file": ("report\u202efdp.exe", b"%PDF-1.4 test", "application/pdf")},
    )
    _error(renamed, "file")
    assert client.get(f"/api/v1/findings/{finding_id}").json()["status"] != "closed"


def _store_legacy_rows(client: TestClient, engine: Engine) -> str:
    """Rows as the fuzzer left them, written before the policy (straight into the tables)."""
    finding_id = str(client.post("/api/v1/findings", json=FINDING).json()["id"])
    assert client.post("/api/v1/iot/assets", json=ASSET).status_code == 201
    assert client.post("/api/v1/iot/exceptions", json=EXCEPTION).status_code == 201
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE findings SET plan = :plan, closing_note = :note, title = :title"),
            {"plan": PLAN, "note": NOTE, "title": "=1+1\u202e"},
        )
        connection.execute(text("UPDATE iot_exceptions SET reason = :reason"), {"reason": REASON})
    return finding_id


def test_exports_write_whatever_the_database_holds(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    sign_in(client, engine, clock, Role.security)
    _store_legacy_rows(client, engine)
    for path in ("/api/v1/findings/export", "/api/v1/iot/exceptions/export"):
        for fmt in ("csv", "xlsx"):
            response = client.get(path, params={"format": fmt})
            assert response.status_code == 200, (path, fmt, response.text[:300])
    sheet = load_workbook(
        io.BytesIO(client.get("/api/v1/findings/export", params={"format": "xlsx"}).content)
    ).active
    assert sheet is not None
    cells = [str(c.value) for row in sheet.iter_rows(min_row=2) for c in row if c.value]
    assert "\ufffd補正\ufffd計畫" in cells
    assert "'=1+1\ufffd" in cells  # formula neutralised as well
    csv_text = client.get("/api/v1/iot/exceptions/export", params={"format": "csv"}).text
    assert "\ufffdth" in csv_text and "\u001d" not in csv_text


def test_repair_command_lists_then_repairs_stored_rows(
    client: TestClient,
    engine: Engine,
    clock: FixedClock,
    cli: Cli,  # noqa: F811
) -> None:
    sign_in(client, engine, clock, Role.security)
    finding_id = _store_legacy_rows(client, engine)
    code, out = cli("db", "repair-text")
    assert code == 1, out
    assert f"findings.plan [{finding_id}]: 2 character(s)" in out
    assert "iot_exceptions.reason" in out
    assert client.get(f"/api/v1/findings/{finding_id}").json()["plan"] == PLAN  # listing only

    code, out = cli("db", "repair-text", "--apply")
    assert code == 0, out
    assert "repaired 4 value(s)" in out
    record = client.get(f"/api/v1/findings/{finding_id}").json()
    assert record["plan"] == "\ufffd補正\ufffd計畫"
    assert record["closing_note"] == "\ufffd"
    code, out = cli("db", "repair-text")
    assert code == 0 and "no stored text" in out, out
