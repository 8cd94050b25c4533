"""Login monitoring over HTTP and the CLI."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from brokerguard.audit import service as audit_service
from brokerguard.cli import runtime
from brokerguard.cli.main import app
from brokerguard.clock import FixedClock
from brokerguard.config import get_settings
from brokerguard.detect.traces import attack_traces
from brokerguard.staff.roles import Role
from tests.conftest import sign_in

DAY = datetime(2026, 11, 25, tzinfo=UTC)


def _brute(engine: Engine, clock: FixedClock, trace: str = "login.brute_force") -> None:
    with Session(engine) as session:
        audit_service.append(session, clock, attack_traces(DAY)[trace])
        session.commit()


def test_alert_triage_and_close_over_api(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    _brute(engine, clock)
    sign_in(client, engine, clock, Role.security)
    run = client.post("/api/v1/detect/run")
    assert run.status_code == 200 and run.json()["alerts_raised"] == 1
    (alert,) = client.get("/api/v1/detect/alerts", params={"status": "new"}).json()["alerts"]
    url = f"/api/v1/detect/alerts/{alert['id']}"
    assert client.post(url + "/triage", json={"note": "checking"}).json()["status"] == "triaged"
    bad = client.post(url + "/close", json={"reason": "meh"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "reason"
    assert client.post(url + "/close", json={"reason": "false_positive"}).status_code == 200
    assert client.post("/api/v1/detect/alerts/nope/triage", json={}).status_code == 404
    assert client.get("/api/v1/detect/alerts", params={"status": "x" * 20}).status_code == 422
    report = client.post("/api/v1/detect/reports", json={"kind": "daily", "period": "2026-11-25"})
    assert report.status_code == 200 and report.json()["evidence"].startswith("evidence:sha256:")
    assert client.post("/api/v1/detect/reports", json={"kind": "hourly"}).status_code == 422


def test_auditor_reads_but_may_not_triage(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    sign_in(client, engine, clock, Role.auditor)
    assert client.get("/api/v1/detect/alerts").status_code == 200
    assert client.post("/api/v1/detect/run").status_code == 403


def test_alerts_page_and_form_actions(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    _brute(engine, clock)
    token = sign_in(client, engine, clock, Role.security)
    client.post("/api/v1/detect/run")
    page = client.get("/detect")
    assert page.status_code == 200 and "A100001" in page.text
    (alert,) = client.get("/api/v1/detect/alerts").json()["alerts"]
    wrong = client.post(
        f"/detect/alerts/{alert['id']}",
        data={"csrf_token": token, "action": "close", "reason": "bogus", "note": "我的備註"},
    )
    assert wrong.status_code == 422 and "請選擇結案原因" in wrong.text
    assert 'value="我的備註"' in wrong.text  # the typed note is kept
    done = client.post(
        f"/detect/alerts/{alert['id']}",
        data={"csrf_token": token, "action": "close", "reason": "resolved", "back": "?status=new"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/detect?status=new"


def test_bulk_triage_and_close_all_or_nothing(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    _brute(engine, clock)
    _brute(engine, clock, "login.non_customer_account")
    token = sign_in(client, engine, clock, Role.security)
    client.post("/api/v1/detect/run")
    ids = [a["id"] for a in client.get("/api/v1/detect/alerts").json()["alerts"]]
    assert len(ids) >= 2
    none = client.post("/detect/alerts", data={"csrf_token": token, "action": "triage"})
    assert none.status_code == 422 and "請至少選取一筆告警" in none.text
    mixed = client.post(
        "/detect/alerts",
        data={
            "csrf_token": token,
            "action": "close",
            "reason": "resolved",
            "alert_ids": [ids[0], "no-such-alert"],
        },
    )
    assert mixed.status_code == 422
    statuses = {a["status"] for a in client.get("/api/v1/detect/alerts").json()["alerts"]}
    assert statuses == {"new"}  # nothing half-done
    triaged = client.post(
        "/detect/alerts",
        data={"csrf_token": token, "action": "triage", "alert_ids": ids},
        follow_redirects=False,
    )
    assert triaged.status_code == 303
    statuses = {a["status"] for a in client.get("/api/v1/detect/alerts").json()["alerts"]}
    assert statuses == {"triaged"}
    page = client.get("/detect?status=triaged&sort=-severity&lang=en")
    assert page.status_code == 200 and "Triaged" in page.text
    assert (
        "lang=zh-TW" in page.text
        and "status=triaged&amp;sort=-severity&amp;lang=zh-TW" in page.text
    )
    assert client.get("/detect?sort=password").status_code == 422


def test_auditor_reads_alerts_without_action_forms(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    _brute(engine, clock)
    sign_in(client, engine, clock, Role.security)
    client.post("/api/v1/detect/run")
    client.cookies.clear()
    client.headers.pop("X-CSRF-Token", None)
    sign_in(client, engine, clock, Role.auditor, username="reader")
    page = client.get("/detect")
    assert page.status_code == 200 and "A100001" in page.text
    assert 'name="alert_ids"' not in page.text and 'value="triage"' not in page.text
    assert "稽核（唯讀）" in page.text  # the header names the role


@pytest.fixture
def cli(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("BROKERGUARD_DATABASE_URL", engine.url.render_as_string(False))
    monkeypatch.setenv("BROKERGUARD_DATA_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    runtime.engine.cache_clear()
    yield CliRunner()
    runtime.engine().dispose()
    runtime.engine.cache_clear()
    get_settings.cache_clear()


def test_cli_run_alerts_and_close(cli: CliRunner, engine: Engine, clock: FixedClock) -> None:
    _brute(engine, clock)
    out = cli.invoke(app, ["detect", "run"])
    assert out.exit_code == 0, out.output
    assert "1 new alerts" in out.stdout
    listing = cli.invoke(app, ["detect", "alerts", "--status", "new"]).stdout
    alert_id = listing.split("\t")[0]
    assert cli.invoke(app, ["detect", "triage", alert_id, "--by", "ana"]).exit_code == 0
    assert (
        cli.invoke(app, ["detect", "close", alert_id, "--by", "ana", "--reason", "x"]).exit_code
        == 2
    )
    assert (
        cli.invoke(
            app, ["detect", "close", "missing", "--by", "a", "--reason", "resolved"]
        ).exit_code
        == 2
    )
    assert cli.invoke(app, ["detect", "rules"]).stdout.count("login.") == 8
    assert cli.invoke(app, ["detect", "rules", "--rules-dir", "/nonexistent"]).exit_code == 2
    report = cli.invoke(app, ["detect", "report", "--kind", "monthly", "--period", "2026-11"])
    assert report.exit_code == 0, report.output
    assert (
        cli.invoke(app, ["detect", "report", "--kind", "monthly", "--period", "13"]).exit_code == 2
    )
