"""Findings list (issue 17, item 4): search, filter, sort and pages in the URL; owners
assigned to many findings at once, all or none."""

from __future__ import annotations

from urllib.parse import unquote

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from brokerguard.clock import FixedClock
from brokerguard.findings import service
from brokerguard.staff.roles import Role
from tests.conftest import sign_in


def _raise(engine: Engine, clock: FixedClock, title: str) -> str:
    with Session(engine) as session:
        record = service.open_finding(
            session, clock, requirement_id="A9.7", title=title, source="manual", source_ref=title
        )
        session.commit()
        return record.id


def test_bulk_assign_all_or_nothing_and_list_state(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    first = _raise(engine, clock, "密碼鎖定設定未留存")
    second = _raise(engine, clock, "密碼原則未更新")
    token = sign_in(client, engine, clock, Role.compliance)
    page = client.get("/findings?q=密碼&sort=-severity")
    assert page.status_code == 200 and 'name="finding_ids"' in page.text
    refused = client.post(
        "/findings/assign",
        data={"csrf_token": token, "finding_ids": [first, "no-such"], "owner": "資訊安全處"},
    )
    assert refused.status_code == 422 and "找不到其中一筆缺失" in refused.text
    assert 'value="資訊安全處"' in refused.text  # the typed owner is kept
    with Session(engine) as session:
        assert all(f.owner != "資訊安全處" for f in service.list_findings(session))
    bad_date = client.post(
        "/findings/assign",
        data={"csrf_token": token, "finding_ids": [first], "owner": "x", "due_date": "tomorrow"},
    )
    assert bad_date.status_code == 422 and "改善期限不是有效日期" in bad_date.text
    done = client.post(
        "/findings/assign",
        data={
            "csrf_token": token,
            "finding_ids": [first, second],
            "owner": "資訊安全處",
            "due_date": "115/12/31",
            "back": "?q=密碼",
        },
        follow_redirects=False,
    )
    assert done.status_code == 303 and unquote(done.headers["location"]) == "/findings?q=密碼"
    listing = client.get("/findings?sort=owner&lang=en").text
    assert listing.count("資訊安全處") >= 2 and "2026-12-31" in listing
    assert client.get("/findings?status=wrong").status_code == 422


def test_the_auditor_gets_no_assign_form(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    _raise(engine, clock, "稽核發現")
    sign_in(client, engine, clock, Role.auditor)
    page = client.get("/findings")
    assert page.status_code == 200 and "稽核發現" in page.text
    assert 'name="finding_ids"' not in page.text and "/findings/assign" not in page.text
