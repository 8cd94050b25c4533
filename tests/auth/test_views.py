from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.staff.roles import Role
from tests.auth.test_api import LOGIN, make_customer
from tests.conftest import sign_in
from tests.stored_audit import stored_events


def test_customer_pages_show_lock_state_and_history(
    client: TestClient, engine: Engine, clock: FixedClock, settings: Settings
) -> None:
    make_customer(engine, clock, settings)
    for i in range(5):
        client.post(LOGIN, json={"account": "A100200", "password": f"Wrong-{i}x"})
    sign_in(client, engine, clock, Role.security)
    listing = client.get("/etrade/customers?q=A100")
    assert listing.status_code == 200 and "A100200" in listing.text and "已鎖定" in listing.text
    assert "A100200" not in client.get("/etrade/customers?q=B").text
    assert client.get("/etrade/customers?q=%25%27%3B--").status_code == 200
    detail = client.get("/etrade/customers/A100200")
    assert detail.status_code == 200
    assert "帳號或密碼錯誤" in detail.text and "動態密碼（TOTP）" in detail.text
    assert "invalid_credentials" not in detail.text  # the code is shown as words
    refused = client.post("/etrade/customers/A100200/unlock", data={"reason": "  "})
    assert refused.status_code == 422 and "reason" in refused.text.lower()
    done = client.post(
        "/etrade/customers/A100200/unlock",
        data={"reason": "臨櫃核對身分證件"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert "已鎖定" not in client.get("/etrade/customers/A100200").text
    assert client.get("/etrade/customers/nobody").status_code == 404


def test_pages_need_a_reading_role(client: TestClient, engine: Engine, clock: FixedClock) -> None:
    sign_in(client, engine, clock, Role.app_team)
    assert client.get("/etrade/customers").status_code == 403


def test_auditor_reads_but_cannot_unlock(
    client: TestClient, engine: Engine, clock: FixedClock, settings: Settings
) -> None:
    make_customer(engine, clock, settings)
    sign_in(client, engine, clock, Role.auditor)
    assert client.get("/etrade/customers/A100200").status_code == 200
    assert client.post("/etrade/customers/A100200/unlock", data={"reason": "x"}).status_code == 403


def test_assessment_form(client: TestClient, engine: Engine, clock: FixedClock) -> None:
    sign_in(client, engine, clock, Role.security)
    assert client.get("/etrade/assessments").status_code == 200
    bad = client.post(
        "/etrade/assessments", data={"method": "", "conclusion": "effective", "summary": "kept"}
    )
    assert bad.status_code == 422 and "kept" in bad.text
    bad2 = client.post("/etrade/assessments", data={"method": "app-face-v3", "conclusion": "maybe"})
    assert bad2.status_code == 422 and 'value="app-face-v3"' in bad2.text
    ok = client.post(
        "/etrade/assessments",
        data={"method": "app-face-v3", "conclusion": "effective"},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    assert "app-face-v3" in client.get("/etrade/assessments").text


def test_looking_at_a_customer_is_on_the_audit_trail(
    client: TestClient, engine: Engine, clock: FixedClock, settings: Settings
) -> None:
    """A9.9: staff reads of a customer's data are recorded before the page is served."""
    make_customer(engine, clock, settings)
    sign_in(client, engine, clock, Role.auditor, username="ivy")
    assert client.get("/etrade/customers/A100200").status_code == 200
    assert client.get("/api/v1/etrade/staff/customers/A100200").status_code == 200
    views = [e for e in stored_events(engine) if e.function == "etrade.staff.customer.view"]
    assert [(e.account, e.customer_ids) for e in views] == [("ivy", ("A100200",))] * 2
