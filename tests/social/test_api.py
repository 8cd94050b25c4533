from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from brokerguard.clock import FixedClock
from brokerguard.social.api import fetch_policy
from brokerguard.social.fetch import FetchPolicy
from brokerguard.staff.roles import Role
from tests.conftest import make_staff, sign_in
from tests.house_helpers import switch_user
from tests.social.loopback import serve
from tests.social.test_disclosure import EXPECTED, GOOD_PAGE

API = "/api/v1/social"
ACCOUNT = {
    "name": "示範證券粉絲專頁",
    "platform": "Facebook",
    "url": "https://www.facebook.com/demo.securities",
    "owning_unit": "數位金融部",
}
PROFILE = {
    "firm_name": EXPECTED.firm_name,
    "address": EXPECTED.address,
    "phone": EXPECTED.phone,
    "licence_number": EXPECTED.licence_number,
    "complaint_contact": EXPECTED.complaint_contact,
    "complaint_handler": EXPECTED.complaint_handler,
}


def test_publishing_workflow_over_http(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    sign_in(client, engine, clock, Role.compliance, username="amy")
    assert client.post(f"{API}/accounts", json={"values": ACCOUNT}).status_code == 201
    draft = client.post(
        f"{API}/posts", json={"account": ACCOUNT["name"], "title": "除息公告", "body": "..."}
    )
    assert draft.status_code == 201
    post_id = draft.json()["id"]
    self_approval = client.post(f"{API}/posts/{post_id}/review", json={"decision": "approve"})
    assert self_approval.status_code == 403
    assert self_approval.json()["error"]["field"] == "approver"
    assert client.post(f"{API}/posts/{post_id}/publish", json={}).status_code == 409
    # another person approves
    switch_user(client, engine, clock, Role.security, "ben")
    assert (
        client.post(f"{API}/posts/{post_id}/review", json={"decision": "maybe"}).status_code == 422
    )
    approved = client.post(
        f"{API}/posts/{post_id}/review", json={"decision": "approve", "note": "OK"}
    )
    assert approved.json()["approved_by"] == "ben"
    published = client.post(
        f"{API}/posts/{post_id}/publish", json={"url": "https://facebook.com/p/1"}
    )
    assert published.json()["status"] == "published"
    assert "除息公告" in client.get(f"{API}/posts/export?format=csv").content.decode("utf-8-sig")
    assert client.get(f"{API}/posts?status=weird").status_code == 422
    assert client.post(f"{API}/posts/{'x' * 100}/publish", json={}).status_code == 404


def test_disclosure_check_over_http(client: TestClient, engine: Engine, clock: FixedClock) -> None:
    sign_in(client, engine, clock, Role.compliance)
    loopback = FetchPolicy(timeout_s=2.0, private_allowlist=frozenset({"127.0.0.1"}))
    overrides = client.app.dependency_overrides  # type: ignore[attr-defined]
    overrides[fetch_policy] = lambda: loopback
    assert client.put(f"{API}/disclosure/profile", json=PROFILE).status_code == 200
    assert (
        client.put(f"{API}/disclosure/profile", json={**PROFILE, "phone": "x"}).status_code == 422
    )
    assert (
        client.put(
            f"{API}/disclosure/profile", json={**PROFILE, "firm_name": "x" * 300}
        ).status_code
        == 422
    )
    with serve(
        {"/fb": (200, {"Content-Type": "text/html; charset=utf-8"}, GOOD_PAGE.encode())}
    ) as base:
        account = client.post(
            f"{API}/accounts", json={"values": {**ACCOUNT, "url": base + "/fb"}}
        ).json()
        result = client.post(f"{API}/disclosure/checks/{account['id']}")
        assert result.json()["outcome"] == "pass", result.text
        all_results = client.post(f"{API}/disclosure/checks").json()["items"]
    assert [r["outcome"] for r in all_results] == ["pass"]
    assert client.get(f"{API}/disclosure/checks").json()["items"][0]["account"] == ACCOUNT["name"]
    assert client.post(f"{API}/disclosure/checks/nope").status_code == 404


def test_registers_import_and_findings(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    from brokerguard.rulebook import load_rulebook

    sign_in(client, engine, clock, Role.security)
    platforms = (
        "平台名稱,類型,資料外洩風險,社交工程風險,惡意程式風險,其他風險,控管措施,評估日期,評估人員\n"
        "Facebook,社群網站,高,高,中,假冒粉專=高,,115/05/01,資安 林\n"
        "LINE,通訊軟體,中,高,中,,禁止傳送客戶資料,115/05/01,資安 林\n"
        "TikTok,短影音,extreme,高,高,,,115/05/01,資安 林\n"
    )
    result = client.post(
        f"{API}/platforms/import",
        files={"file": ("p.csv", platforms.encode("cp950"), "text/csv")},
        data={"mode": "valid_rows"},
    )
    assert result.status_code == 200
    assert (result.json()["created"], [e["line"] for e in result.json()["errors"]]) == (2, [4])
    if "A5.2" not in load_rulebook():
        pytest.skip("Article 5 rulebook data not merged yet")
    findings = client.post(f"{API}/findings").json()["items"]
    assert any(f["source_ref"] == "social.platform_risk_rated@A5.2" for f in findings)
    again = client.post(f"{API}/findings").json()["items"]
    assert {f["id"] for f in again} == {f["id"] for f in findings}


def test_pages_render(client: TestClient, engine: Engine, clock: FixedClock) -> None:
    token = sign_in(client, engine, clock, Role.compliance, username="amy")
    for path in (
        "/social",
        "/social/platforms",
        "/social/accounts",
        "/social/admins",
        "/social/monitoring",
    ):
        assert client.get(path).status_code == 200, path
    bad_profile = client.post(
        "/social/profile", data={"csrf_token": token, **PROFILE, "phone": "1"}
    )
    assert bad_profile.status_code == 422
    assert EXPECTED.address in bad_profile.text
    client.post(f"{API}/accounts", json={"values": ACCOUNT})
    drafted = client.post(
        "/social/posts",
        data={
            "csrf_token": token,
            "account": ACCOUNT["name"],
            "title": "颱風公告",
            "body": "停止營業",
        },
        follow_redirects=False,
    )
    assert drafted.status_code == 303
    post_id = client.get(f"{API}/posts").json()["items"][0]["id"]
    own = client.post(
        f"/social/posts/{post_id}/review", data={"csrf_token": token, "decision": "approve"}
    )
    assert own.status_code == 403
    make_staff(engine, clock, "ben", Role.security)
    assert "颱風公告" in client.get("/social").text
