from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from brokerguard.clock import FixedClock
from brokerguard.evidence.service import evidence_for
from brokerguard.mobile.models import MobileRelease
from brokerguard.staff.roles import Role
from tests.conftest import STAFF_PASSWORD, csrf_from, make_staff, sign_in
from tests.loop_guard import sql_on_event_loop
from tests.mobile.apkbuild import ReleaseSigner
from tests.mobile.conftest import APK_DIR, TINY_PACKAGE
from tests.mobile.hostile import bomb_zip, traversal_zip

API = "/api/v1/mobile"


def _login(client: TestClient, username: str) -> None:
    client.cookies.clear()
    client.headers.pop("X-CSRF-Token", None)
    token = csrf_from(client)
    response = client.post(
        "/login",
        data={"username": username, "password": STAFF_PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    client.headers["X-CSRF-Token"] = csrf_from(client)


def _app_body(cert: str) -> dict[str, object]:
    return {
        "slug": "trade-android",
        "name_zh": "示範證券下單",
        "name_en": "Demo Trade",
        "platform": "android",
        "package_name": TINY_PACKAGE,
        "store_urls": ["https://play.google.com/store/apps/details?id=x"],
        "download_url": "https://www.demosec.com.tw/app",
        "official_cert_sha256": [cert],
    }


def test_release_flow_with_dual_approval(
    client: TestClient,
    engine: Engine,
    clock: FixedClock,
    good_apk: bytes,
    release_signer: ReleaseSigner,
) -> None:
    sign_in(client, engine, clock, Role.app_team)
    created = client.post(f"{API}/apps", json=_app_body(release_signer.cert_sha256))
    assert created.status_code == 201, created.text
    files = {"artifact": ("trade.apk", good_apk, "application/vnd.android.package-archive")}
    with sql_on_event_loop(engine) as on_loop:
        gate = client.post(f"{API}/apps/trade-android/gate", files=files).json()
        assert gate["passed"] is False
        assert set(gate["failed_rules"]) == {"lab_test_current", "dual_approval"}
        release = client.post(f"{API}/apps/trade-android/releases", files=files)
        assert release.status_code == 201, release.text
        release_id = release.json()["id"]
        duplicate = client.post(f"{API}/apps/trade-android/releases", files=files)
        assert duplicate.status_code == 409

    # the app team may not approve
    refused = client.post(
        f"{API}/releases/{release_id}/approvals", json={"unit": "security", "comment": "ok"}
    )
    assert refused.status_code == 403

    make_staff(engine, clock, "both", Role.security, Role.compliance)
    _login(client, "both")
    ok = client.post(
        f"{API}/releases/{release_id}/approvals", json={"unit": "security", "comment": "權限相符"}
    )
    assert ok.status_code == 201, ok.text
    same = client.post(
        f"{API}/releases/{release_id}/approvals", json={"unit": "compliance", "comment": "ok"}
    )
    assert same.status_code == 409
    assert same.json()["error"]["field"] == "approver"

    with sql_on_event_loop(engine) as lab_on_loop:
        lab = client.post(
            f"{API}/apps/trade-android/lab-tests",
            data={
                "kind": "mas_baseline",
                "lab": "台灣檢驗科技",
                "taf_accreditation_no": "3245",
                "baseline_version": "v4.0",
                "level": "L2",
                "tested_from": "115/09/01",
                "tested_to": "2026-09-10",
                "report_date": "2026-09-15",
                "result": "pass",
            },
            files={"report": ("report.pdf", b"%PDF-1.7 lab report", "application/pdf")},
        )
        assert lab.status_code == 201, lab.text
        assert lab.json()["report_evidence"].startswith("evidence:sha256:")

    make_staff(engine, clock, "comp-lin", Role.compliance)
    _login(client, "comp-lin")
    ok = client.post(
        f"{API}/releases/{release_id}/approvals", json={"unit": "compliance", "comment": "ok"}
    )
    assert ok.status_code == 201, ok.text
    approvals = client.get(f"{API}/releases/{release_id}/approvals").json()
    assert {a["unit"]: a["approver"] for a in approvals} == {
        "security": "both",
        "compliance": "comp-lin",
    }
    with Session(engine) as session:
        records = evidence_for(session, "A6.3.1.4")
        assert [r.kind for r in records] == ["approval_record"]
    with sql_on_event_loop(engine) as publish_on_loop:
        passed = client.post(f"{API}/apps/trade-android/gate", files=files).json()
        assert passed["passed"] is True, passed["failed_rules"]
        published = client.post(
            f"{API}/apps/trade-android/releases/{release_id}/publish",
            files=files,
            data={"released_on": "2026-11-26"},
        )
        assert published.status_code == 200, published.text
    listing = client.get(f"{API}/listing.json").json()
    assert listing["apps"][0]["version"] == "1.0"
    html = client.get(f"{API}/listing.html")
    assert html.status_code == 200 and 'data-app="trade-android"' in html.text
    assert client.get(f"{API}/apps/trade-android").json()["package_name"] == TINY_PACKAGE
    assert [a["slug"] for a in client.get(f"{API}/apps").json()] == ["trade-android"]
    releases = client.get(f"{API}/apps/trade-android/releases").json()
    assert [r["status"] for r in releases] == ["released"]
    assert client.get(f"{API}/apps/trade-android/purposes").json() == []
    tests = client.get(f"{API}/apps/trade-android/lab-tests").json()
    assert [t["kind"] for t in tests] == ["mas_baseline"]
    assert on_loop + lab_on_loop + publish_on_loop == []  # the database kept off the event loop


def test_bad_uploads_leave_registry_unchanged(
    client: TestClient, engine: Engine, clock: FixedClock, release_signer: ReleaseSigner
) -> None:
    sign_in(client, engine, clock, Role.app_team)
    client.post(f"{API}/apps", json=_app_body(release_signer.cert_sha256))
    for name, content in (
        ("bomb.apk", bomb_zip(8 * 1024 * 1024)),
        ("evil.apk", traversal_zip()),
        ("multidex.apk", (APK_DIR / "multidex.apk").read_bytes()),
        ("text.apk", b"hello"),
    ):
        files = {"artifact": (name, content, "application/octet-stream")}
        response = client.post(f"{API}/apps/trade-android/releases", files=files)
        assert response.status_code in (413, 422), response.text
        error = response.json()["error"]
        assert name in error["message"]
    empty = client.post(
        f"{API}/apps/trade-android/releases", files={"artifact": ("e.apk", b"", "x/y")}
    )
    assert empty.status_code == 422
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(MobileRelease)) == 0


def test_auth_and_roles(client: TestClient, engine: Engine, clock: FixedClock) -> None:
    assert client.get(f"{API}/apps").status_code == 401
    sign_in(client, engine, clock, Role.auditor)
    assert client.get(f"{API}/apps").status_code == 200
    body = _app_body("a" * 64)
    assert client.post(f"{API}/apps", json=body).status_code == 403


def test_app_validation(client: TestClient, engine: Engine, clock: FixedClock) -> None:
    sign_in(client, engine, clock, Role.security)
    bad = _app_body("not-a-sha")
    response = client.post(f"{API}/apps", json=bad)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "official_cert_sha256"
    bad = {**_app_body("a" * 64), "platform": "symbian"}
    assert client.post(f"{API}/apps", json=bad).status_code == 422
    bad = {**_app_body("a" * 64), "store_urls": ["javascript:alert(1)"]}
    assert client.post(f"{API}/apps", json=bad).status_code == 422
    assert client.get(f"{API}/apps/missing").status_code == 404


def test_purposes_and_review_api(
    client: TestClient, engine: Engine, clock: FixedClock, release_signer: ReleaseSigner
) -> None:
    sign_in(client, engine, clock, Role.security)
    client.post(f"{API}/apps", json=_app_body(release_signer.cert_sha256))
    put = client.put(
        f"{API}/apps/trade-android/purposes/android.permission.CAMERA",
        json={"purpose_zh": "拍攝證件", "purpose_en": "ID photos"},
    )
    assert put.status_code == 200, put.text
    blank = client.put(
        f"{API}/apps/trade-android/purposes/android.permission.CAMERA",
        json={"purpose_zh": "", "purpose_en": "x"},
    )
    assert blank.status_code == 422
    with sql_on_event_loop(engine) as on_loop:
        csv = (
            "檢測項目,編號,資訊安全技術要求事項,技術要求,L1,L2,L3,F\n"
            "發布,1.1,發布,官方市集,是,是,是,否\n"
        )
        imported = client.post(
            f"{API}/checklists",
            data={"version": "v4.0"},
            files={"file": ("items.csv", csv.encode(), "text/csv")},
        )
        assert imported.json() == {"version": "v4.0", "items": 1}
        lab = client.post(
            f"{API}/apps/trade-android/lab-tests",
            data={
                "kind": "mas_baseline",
                "lab": "Lab",
                "taf_accreditation_no": "3245",
                "baseline_version": "v4.0",
                "level": "L1",
                "tested_from": "2026-09-01",
                "tested_to": "2026-09-02",
                "report_date": "2026-09-03",
                "result": "pass",
            },
        ).json()
        review = client.post(
            f"{API}/lab-tests/{lab['id']}/reviews", json={"checklist_version": "v4.0"}
        ).json()
        item = client.post(
            f"{API}/reviews/{review['id']}/items", json={"item_no": "1.1", "outcome": "missing"}
        ).json()
        assert item["finding_id"]
        done = client.post(f"{API}/reviews/{review['id']}/complete", json={"summary": "ok"})
        assert done.json()["status"] == "completed"

    with Session(engine) as session:
        assert [r.kind for r in evidence_for(session, "A6.3.3.3")] == ["review_record"]
    fixed = client.post(f"{API}/lab-tests/{lab['id']}/confirm-fixes")
    assert fixed.json()["fixes_confirmed_by"] == "security-user"
    due = client.get(f"{API}/lab-tests/due").json()
    assert due[0]["overdue"] is False
    bad_date = client.post(
        f"{API}/apps/trade-android/lab-tests",
        data={
            "kind": "mas_baseline",
            "lab": "Lab",
            "tested_from": "yesterday",
            "tested_to": "2026-09-02",
            "report_date": "2026-09-03",
            "result": "pass",
        },
    )
    assert bad_date.status_code == 422
    assert bad_date.json()["error"]["field"] == "tested_from"
    assert on_loop == []  # the checklist and lab-test uploads kept the database off the loop


def test_oversized_artifact_upload(
    client: TestClient,
    engine: Engine,
    clock: FixedClock,
    release_signer: ReleaseSigner,
    good_apk: bytes,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sign_in(client, engine, clock, Role.security)
    client.post(f"{API}/apps", json=_app_body(release_signer.cert_sha256))
    monkeypatch.setattr("brokerguard.mobile.uploads.MAX_ARTIFACT_BYTES", 1000)
    files = {"artifact": ("big.apk", good_apk, "application/octet-stream")}
    response = client.post(f"{API}/apps/trade-android/gate", files=files)
    assert response.status_code == 413
    assert "big.apk" in response.json()["error"]["message"]
    nameless = client.post(f"{API}/analyze", files={"artifact": ("", b"PK", "x/y")})
    assert nameless.status_code == 422


def test_analyze_endpoint(client: TestClient, engine: Engine, clock: FixedClock) -> None:
    sign_in(client, engine, clock, Role.auditor)
    content = (APK_DIR / "a2dp.Vol_137.apk").read_bytes()
    response = client.post(f"{API}/analyze", files={"artifact": ("a2dp.apk", content, "x/y")})
    assert response.status_code == 200
    assert response.json()["package"] == "a2dp.Vol"
