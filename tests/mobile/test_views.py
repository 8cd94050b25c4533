from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from brokerguard.clock import FixedClock
from brokerguard.db.engine import session_factory
from brokerguard.mobile.analysis import ArtifactReport
from brokerguard.mobile.registry import register_release
from brokerguard.staff.roles import Role
from tests.conftest import sign_in
from tests.mobile.apkbuild import ReleaseSigner
from tests.mobile.helpers import make_app, previous_release


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
    assert "逾期" in page.text  # no lab test yet
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
    assert blank.status_code == 422


def test_pages_need_sign_in(client: TestClient) -> None:
    response = client.get("/mobile", follow_redirects=False)
    assert response.status_code in (303, 401)
    assert client.get("/mobile/apps/none", follow_redirects=False).status_code in (303, 401)
