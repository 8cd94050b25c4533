from __future__ import annotations

import re
from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.db.engine import session_factory
from brokerguard.mobile.analysis import ArtifactReport
from brokerguard.mobile.registry import register_release
from brokerguard.mobile.review import import_checklist
from brokerguard.mobile.testing import records_of
from brokerguard.staff.roles import Role
from tests.conftest import sign_in
from tests.loop_guard import sql_on_event_loop
from tests.mobile.apkbuild import ReleaseSigner
from tests.mobile.helpers import make_app, pass_lab_test, previous_release


def _seed(engine: Engine, clock: FixedClock, report: ArtifactReport, cert: str) -> str:
    with session_factory(engine)() as session:
        app = make_app(session, clock, certs=[cert])
        previous_release(session, clock, app, permissions=["android.permission.CAMERA"])
        release = register_release(session, clock, app, report, actor="app-team")
        release_id = release.id
        session.commit()
    return release_id


def test_apps_page_and_timeline(
    client: TestClient,
    engine: Engine,
    clock: FixedClock,
    good_report: ArtifactReport,
    release_signer: ReleaseSigner,
) -> None:
    _seed(engine, clock, good_report, release_signer.cert_sha256)
    sign_in(client, engine, clock, Role.auditor)
    page = client.get("/mobile")
    assert page.status_code == 200
    assert "示範證券下單" in page.text and "0.9" in page.text
    assert "檢測逾期" in page.text  # no lab test yet
    detail = client.get("/mobile/apps/trade-android")
    assert detail.status_code == 200
    assert '− <span class="mono">android.permission.CAMERA</span>' in detail.text
    assert "發布紀錄" in detail.text
    english = client.get("/mobile/apps/trade-android?lang=en")
    assert "Release timeline" in english.text


def test_approve_form_and_error_reshown(
    client: TestClient,
    engine: Engine,
    clock: FixedClock,
    good_report: ArtifactReport,
    release_signer: ReleaseSigner,
) -> None:
    release_id = _seed(engine, clock, good_report, release_signer.cert_sha256)
    token = sign_in(client, engine, clock, Role.security)
    wrong_unit = client.post(
        f"/mobile/releases/{release_id}/approve",
        data={"csrf_token": token, "unit": "compliance", "comment": "我的意見"},
    )
    assert wrong_unit.status_code == 403
    assert "我的意見" in wrong_unit.text  # input re-shown
    assert "不得代為核准" in wrong_unit.text  # the refusal in the page's language
    ok = client.post(
        f"/mobile/releases/{release_id}/approve",
        data={"csrf_token": token, "unit": "security", "comment": "權限相符"},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    page = client.get("/mobile/apps/trade-android")
    assert "權限相符" in page.text and "security-user" in page.text
    blank = client.post(
        f"/mobile/releases/{release_id}/approve",
        data={"csrf_token": token, "unit": "nonsense", "comment": ""},
    )
    assert blank.status_code == 422 and "不是核准單位" in blank.text


def test_pages_need_sign_in(client: TestClient) -> None:
    response = client.get("/mobile", follow_redirects=False)
    assert response.status_code in (303, 401)
    assert client.get("/mobile/apps/none", follow_redirects=False).status_code in (303, 401)


def test_review_walk_in_the_browser(
    client: TestClient, engine: Engine, clock: FixedClock, settings: Settings
) -> None:
    csv = (
        "檢測項目,編號,資訊安全技術要求事項,技術要求,L1,L2,L3,F\n"
        "發布,4.1.1.1,發布,官方市集,是,是,是,否\n"
        "儲存,4.1.2.3,資料儲存,加密儲存,是,是,是,否\n"
    ).encode()
    with session_factory(engine)() as session:
        app = make_app(session, clock, certs=[])
        pass_lab_test(session, clock, settings, app, date(2026, 9, 1))
        import_checklist(session, csv, "items.csv", version="v4.0")
        test_id = records_of(session, app)[0].id
        session.commit()
    token = sign_in(client, engine, clock, Role.security)
    page = client.get("/mobile/apps/trade-android")
    assert "開始審閱" in page.text
    started = client.post(
        f"/mobile/lab-tests/{test_id}/reviews",
        data={"csrf_token": token, "checklist_version": "v4.0"},
        follow_redirects=False,
    )
    assert started.status_code == 303
    review_url = started.headers["location"]
    assert "4.1.2.3" in client.get(review_url).text
    bad = client.post(
        f"{review_url}/items",
        data={"csrf_token": token, "item_no": "4.1.1.1", "outcome": "perhaps", "note": "我的備註"},
    )
    assert bad.status_code == 422 and "我的備註" in bad.text
    for number, outcome in (("4.1.1.1", "consistent"), ("4.1.2.3", "missing")):
        saved = client.post(
            f"{review_url}/items",
            data={"csrf_token": token, "item_no": number, "outcome": outcome, "note": ""},
            follow_redirects=False,
        )
        assert saved.status_code == 303
    done = client.post(
        f"{review_url}/complete",
        data={"csrf_token": token, "summary": "一項缺漏"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    final = client.get(review_url).text
    assert "已完成" in final and "缺漏" in final and "一項缺漏" in final


def test_auditor_cannot_start_review(
    client: TestClient, engine: Engine, clock: FixedClock, settings: Settings
) -> None:
    with session_factory(engine)() as session:
        app = make_app(session, clock, certs=[])
        pass_lab_test(session, clock, settings, app, date(2026, 9, 1))
        test_id = records_of(session, app)[0].id
        session.commit()
    token = sign_in(client, engine, clock, Role.auditor)
    response = client.post(
        f"/mobile/lab-tests/{test_id}/reviews", data={"csrf_token": token, "checklist_version": "x"}
    )
    assert response.status_code == 403


def test_purpose_form(
    client: TestClient,
    engine: Engine,
    clock: FixedClock,
    good_report: ArtifactReport,
    release_signer: ReleaseSigner,
) -> None:
    _seed(engine, clock, good_report, release_signer.cert_sha256)
    token = sign_in(client, engine, clock, Role.app_team)
    page = client.get("/mobile/apps/trade-android")
    assert "尚未說明用途的權限" in page.text and "android.permission.CAMERA" in page.text
    blank = client.post(
        "/mobile/apps/trade-android/purposes",
        data={
            "csrf_token": token,
            "permission": "android.permission.CAMERA",
            "purpose_zh": "拍攝證件",
            "purpose_en": " ",
        },
    )
    assert blank.status_code == 422 and "拍攝證件" in blank.text
    saved = client.post(
        "/mobile/apps/trade-android/purposes",
        data={
            "csrf_token": token,
            "permission": "android.permission.CAMERA",
            "purpose_zh": "拍攝證件",
            "purpose_en": "ID photos",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert "尚未說明用途的權限" not in client.get("/mobile/apps/trade-android").text


def test_release_candidate_upload_gate_and_publish_refusals_in_the_web_pages(
    client: TestClient,
    engine: Engine,
    clock: FixedClock,
    good_apk: bytes,
    release_signer: ReleaseSigner,
) -> None:
    with session_factory(engine)() as session:
        make_app(session, clock, certs=[release_signer.cert_sha256])
        session.commit()
    token = sign_in(client, engine, clock, Role.app_team)
    apk = {"artifact": ("trade.apk", good_apk, "application/vnd.android.package-archive")}
    form = {"csrf_token": token, "store": "Google Play"}
    with sql_on_event_loop(engine) as on_loop:  # the handlers keep the database off it
        registered = client.post("/mobile/apps/trade-android/releases", data=form, files=apk)
        assert registered.status_code == 200, registered.text[:300]
        assert "尚不可上架" in registered.text and "dual_approval" in registered.text
        again = client.post("/mobile/apps/trade-android/releases", data=form, files=apk)
        assert again.status_code == 409 and "已登錄過" in again.text
        assert 'value="Google Play"' in again.text
        for name, content in (("x.apk", b""), ("x.apk", b"PK\x03\x04 not a zip"), ("x.exe", b"MZ")):
            bad = client.post(
                "/mobile/apps/trade-android/releases",
                data=form,
                files={"artifact": (name, content, "application/octet-stream")},
            )
            assert bad.status_code in (400, 413, 422), (name, bad.status_code)
            assert "未儲存任何資料" in bad.text
        major = client.post(
            "/mobile/apps/trade-android/releases",
            data={**form, "major_reasons": ["rocket_launch"]},
            files=apk,
        )
        assert major.status_code == 422 and "重大更新須勾選異動項目" in major.text
        checked = client.post(
            "/mobile/apps/trade-android/gate", data={"csrf_token": token}, files=apk
        )
        assert checked.status_code == 200 and "lab_test_current" in checked.text
        release_id = re.findall(r'id="release-([0-9a-f-]{36})"', registered.text)[0]
        refused = client.post(
            f"/mobile/releases/{release_id}/publish",
            data={"csrf_token": token, "released_on": "115/11/26"},
            files=apk,
        )
        assert refused.status_code == 409 and "上架檢核未通過" in refused.text
        assert 'value="115/11/26"' in refused.text
        bad_day = client.post(
            f"/mobile/releases/{release_id}/publish",
            data={"csrf_token": token, "released_on": "someday"},
            files=apk,
        )
        assert bad_day.status_code == 422 and "上架日期不是有效日期" in bad_day.text
    assert on_loop == [], on_loop
    sign_in(client, engine, clock, Role.auditor)
    page = client.get("/mobile/apps/trade-android").text
    assert "/publish" not in page and '/releases"' not in page
