"""The ``async`` form, upload and API handlers hand their database work to the thread pool
(``run_unit_of_work``): each one is posted once accepted and once refused, and no SQL may
run on the event loop (before, every one of them ran its service calls there)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from brokerguard.audit import apikeys
from brokerguard.clock import FixedClock
from brokerguard.staff.roles import Role
from tests.attestations.test_service import CLOUD_RULES
from tests.audit.helpers import raw_event
from tests.conftest import STAFF_PASSWORD, csrf_from, make_staff, sign_in
from tests.devices.test_devices import MDM, REGISTER
from tests.iot.nmap_samples import host, scan
from tests.loop_guard import sql_on_event_loop
from tests.social.test_api import ACCOUNT, PROFILE

DEVICE = {
    "device_id": "MDM-001",
    "ownership": "company",
    "holder": "陳經理",
    "unit": "經紀業務部",
    "device_type": "phone",
    "os": "ios",
    "os_version": "17.5",
    "policy_ack_on": "2026-01-15",
    "status": "active",
}
EVIDENCE = {"title": "登入紀錄抽樣", "kind": "login_records", "requirement_ids": "A9.1"}
PLATFORMS = (
    "平台名稱,類型,資料外洩風險,社交工程風險,惡意程式風險,其他風險,控管措施,評估日期,評估人員\n"
    "LINE,通訊軟體,中,高,中,,禁止傳送客戶資料,115/05/01,資安 林\n"
)
PLATFORM = {
    "name": "Facebook",
    "category": "社群網站",
    "risk_data_leakage": "高",
    "risk_social_engineering": "高",
    "risk_malware": "中",
    "assessed_on": "2026-05-01",
    "assessed_by": "資安 林",
}

Post = Callable[..., httpx.Response]
#: a case posts its accepted and its refused requests through ``post`` (which watches the
#: event loop); its set-up goes through the client directly
Case = Callable[[TestClient, Engine, FixedClock, Post], list[tuple[int, int]]]


def _csv(name: str, text: str, encoding: str = "utf-8") -> dict[str, Any]:
    return {"file": (name, text.encode(encoding), "text/csv")}


def _device_register(
    client: TestClient, engine: Engine, clock: FixedClock, post: Post
) -> list[tuple[int, int]]:
    """registerkit pages (``add_register_routes``): new, edit and import."""
    created = post("/devices/register/new", data=DEVICE)
    refused = post("/devices/register/new", data={**DEVICE, "ownership": "x"})
    record_id = client.get("/api/v1/devices").json()[0]["id"]
    edited = post(f"/devices/register/{record_id}/edit", data={**DEVICE, "unit": "資訊部"})
    edit_refused = post(f"/devices/register/{record_id}/edit", data={**DEVICE, "holder": ""})
    extra = "\n".join(REGISTER.splitlines()[0:1] + REGISTER.splitlines()[2:]) + "\n"
    imported = post("/devices/register/import", files=_csv("d.csv", extra, "cp950"))
    import_refused = post("/devices/register/import", files=_csv("d.csv", extra, "cp950"))
    return [
        (created.status_code, 303),
        (refused.status_code, 422),
        (edited.status_code, 303),
        (edit_refused.status_code, 422),
        (imported.status_code, 200),
        (import_refused.status_code, 422),
    ]


def _device_register_api(
    client: TestClient, engine: Engine, clock: FixedClock, post: Post
) -> list[tuple[int, int]]:
    """registerkit's table API (``add_table_api``): import."""
    imported = post("/api/v1/devices/import", files=_csv("d.csv", REGISTER, "cp950"))
    refused = post("/api/v1/devices/import", files=_csv("d.csv", REGISTER, "cp950"))
    return [(imported.status_code, 200), (refused.status_code, 422)]


def _mdm(
    client: TestClient, engine: Engine, clock: FixedClock, post: Post
) -> list[tuple[int, int]]:
    imported = post("/devices/mdm", files=_csv("m.csv", MDM))
    refused = post("/devices/mdm", files={"file": ("m.json", b"{", "application/json")})
    return [(imported.status_code, 200), (refused.status_code, 422)]


def _social_registers(
    client: TestClient, engine: Engine, clock: FixedClock, post: Post
) -> list[tuple[int, int]]:
    """registerkit views and API (``add_register_views``, ``add_register_api``)."""
    created = post("/social/platforms", data=PLATFORM)
    refused = post("/social/platforms", data={**PLATFORM, "risk_data_leakage": "extreme"})
    item_id = client.get("/api/v1/social/platforms").json()["items"][0]["id"]
    edited = post(f"/social/platforms/{item_id}/edit", data={**PLATFORM, "risk_malware": "高"})
    edit_refused = post(f"/social/platforms/{item_id}/edit", data={**PLATFORM, "name": ""})
    imported = post("/social/platforms/import", files=_csv("p.csv", PLATFORMS, "cp950"))
    import_refused = post("/social/platforms/import", files={"file": ("p.csv", b"", "text/csv")})
    api_imported = post(
        "/api/v1/social/platforms/import",
        files=_csv("p.csv", PLATFORMS.replace("LINE", "TikTok"), "cp950"),
    )
    return [
        (created.status_code, 303),
        (refused.status_code, 422),
        (edited.status_code, 303),
        (edit_refused.status_code, 422),
        (imported.status_code, 200),
        (import_refused.status_code, 422),
        (api_imported.status_code, 200),
    ]


def _social_posts(
    client: TestClient, engine: Engine, clock: FixedClock, post: Post
) -> list[tuple[int, int]]:
    client.post("/api/v1/social/accounts", json={"values": ACCOUNT})
    profile = post("/social/profile", data=PROFILE)
    profile_refused = post("/social/profile", data={**PROFILE, "phone": "1"})
    draft = {"account": ACCOUNT["name"], "title": "颱風公告", "body": "停止營業"}
    drafted = post("/social/posts", data=draft)
    draft_refused = post("/social/posts", data={**draft, "account": "nobody"})
    post_id = client.get("/api/v1/social/posts").json()["items"][0]["id"]
    own_review = post(f"/social/posts/{post_id}/review", data={"decision": "approve"})
    early_publish = post(f"/social/posts/{post_id}/publish", data={"url": ""})
    return [
        (profile.status_code, 303),
        (profile_refused.status_code, 422),
        (drafted.status_code, 303),
        (draft_refused.status_code, 422),
        (own_review.status_code, 403),
        (early_publish.status_code, 409),
    ]


def _rulebook(
    client: TestClient, engine: Engine, clock: FixedClock, post: Post
) -> list[tuple[int, int]]:
    form = {"name": "雲端服務運作安全自律規範", "version": "114", "requirement_id": "A4.1"}
    yaml = {"file": ("cloud.yaml", CLOUD_RULES.encode(), "application/yaml")}
    loaded = post("/attestations/rulebooks", data=form, files=yaml)
    again = post("/attestations/rulebooks", data=form, files=yaml)
    unread = post("/attestations/rulebooks", data=form, files={"file": ("", b"", "text/plain")})
    return [(loaded.status_code, 303), (again.status_code, 409), (unread.status_code, 422)]


def _iot_scan(
    client: TestClient, engine: Engine, clock: FixedClock, post: Post
) -> list[tuple[int, int]]:
    xml = scan(host("10.30.0.5"))
    imported = post("/iot/scans", files={"file": ("s.xml", xml, "text/xml")})
    hostile = b'<!DOCTYPE nmaprun [<!ENTITY a "b">]><nmaprun>&a;</nmaprun>'
    refused = post("/iot/scans", files={"file": ("s.xml", hostile, "text/xml")})
    return [(imported.status_code, 303), (refused.status_code, 422)]


def _evidence_api(
    client: TestClient, engine: Engine, clock: FixedClock, post: Post
) -> list[tuple[int, int]]:
    stored = post("/api/v1/evidence", data=EVIDENCE, files=_csv("s.csv", "a,b\n1,2\n"))
    refused = post(
        "/api/v1/evidence",
        data=EVIDENCE,
        files={"file": ("s.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")},
    )
    return [(stored.status_code, 201), (refused.status_code, 415)]


def _finding_close_api(
    client: TestClient, engine: Engine, clock: FixedClock, post: Post
) -> list[tuple[int, int]]:
    finding = {"requirement_id": "A9.7", "title": "鎖定門檻", "source": "inspection"}
    finding_id = client.post("/api/v1/findings", json=finding).json()["id"]
    proof = {"file": ("lockout.txt", b"lockout threshold = 5\n", "text/plain")}
    url = f"/api/v1/findings/{finding_id}/close-with-file"
    closed = post(url, data={"note": "已上線並驗證"}, files=proof)
    again = post(url, data={"note": "again"}, files=proof)
    return [(closed.status_code, 200), (again.status_code, 409)]


def _audit_ingest(
    client: TestClient, engine: Engine, clock: FixedClock, post: Post
) -> list[tuple[int, int]]:
    with Session(engine) as session:
        _, token = apikeys.create_key(session, clock, "crm", "admin")
        session.commit()
    key = {"X-API-Key": token}
    events = [raw_event(i) for i in range(2)]
    ingested = post("/api/v1/audit/events", json={"events": events}, headers=key)
    not_json = post("/api/v1/audit/events", content=b"{", headers=key)
    no_key = post("/api/v1/audit/events", json={"events": events}, headers={"X-API-Key": "x"})
    return [(ingested.status_code, 200), (not_json.status_code, 422), (no_key.status_code, 401)]


def _uploads_api(
    client: TestClient, engine: Engine, clock: FixedClock, post: Post
) -> list[tuple[int, int]]:
    """The JSON API's uploads: IoT scan, MDM report, referenced rulebook."""
    xml = {"file": ("s.xml", scan(host("10.30.0.5")), "text/xml")}
    hostile = b'<!DOCTYPE nmaprun [<!ENTITY a "b">]><nmaprun>&a;</nmaprun>'
    form = {"name": "雲端服務運作安全自律規範", "version": "114", "requirement_id": "A4.1"}
    yaml = {"file": ("cloud.yaml", CLOUD_RULES.encode(), "application/yaml")}
    answers = [
        post("/api/v1/iot/scans", files=xml),
        post("/api/v1/iot/scans", files={"file": ("s.xml", hostile, "text/xml")}),
        post("/api/v1/devices/mdm", files=_csv("m.csv", MDM)),
        post("/api/v1/devices/mdm", files={"file": ("m.json", b"{", "application/json")}),
        post("/api/v1/attestations/rulebooks", data=form, files=yaml),
        post("/api/v1/attestations/rulebooks", data=form, files=yaml),
    ]
    wanted = [201, 422, 200, 422, 201, 409]
    return [(answer.status_code, want) for answer, want in zip(answers, wanted, strict=True)]


CASES: dict[str, Case] = {
    "device register pages": _device_register,
    "device register api": _device_register_api,
    "mdm upload": _mdm,
    "social registers": _social_registers,
    "social posts": _social_posts,
    "rulebook load": _rulebook,
    "iot scan": _iot_scan,
    "evidence api": _evidence_api,
    "finding close api": _finding_close_api,
    "audit ingest api": _audit_ingest,
    "upload apis": _uploads_api,
}
#: the referenced rulebooks are loaded by compliance (the others: security)
COMPLIANCE_CASES = {"rulebook load", "upload apis"}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_form_handlers_keep_sql_off_the_event_loop(
    client: TestClient, engine: Engine, clock: FixedClock, case: str
) -> None:
    role = Role.compliance if case in COMPLIANCE_CASES else Role.security
    token = sign_in(client, engine, clock, role)
    seen: list[str] = []

    def post(path: str, **kwargs: Any) -> httpx.Response:
        if not path.startswith("/api/"):
            kwargs["data"] = {"csrf_token": token, **kwargs.get("data", {})}
        with sql_on_event_loop(engine) as on_loop:
            response: httpx.Response = client.post(path, follow_redirects=False, **kwargs)
        seen.extend(f"{path}: {statement}" for statement in on_loop)
        return response

    statuses = CASES[case](client, engine, clock, post)
    assert [got for got, _ in statuses] == [want for _, want in statuses]
    assert seen == [], seen


def test_sign_in_pages_and_sign_out_keep_sql_off_the_event_loop(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    """The staff sign-in (a wrong password's count, the new session), the session check
    of every signed-in request (``current_staff``, its idle-timeout touch too) and the
    sign-out read and write in the thread pool."""
    make_staff(engine, clock, "loop-user", Role.security)
    form = {"username": "loop-user", "csrf_token": csrf_from(client), "next": "/dashboard"}
    with sql_on_event_loop(engine) as on_loop:
        wrong = client.post("/login", data={**form, "password": "not-it"})
        right = client.post(
            "/login", data={**form, "password": STAFF_PASSWORD}, follow_redirects=False
        )
        token = csrf_from(client)
        page = client.get("/dashboard")
        clock.advance(timedelta(minutes=5))  # the idle timeout's touch is due
        again = client.get("/api/v1/me")
        out = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
        after = client.get("/api/v1/me")
    assert [wrong.status_code, right.status_code, page.status_code] == [401, 303, 200]
    assert [again.status_code, out.status_code, after.status_code] == [200, 303, 401]
    assert on_loop == [], on_loop
