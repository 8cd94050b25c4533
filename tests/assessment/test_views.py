from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from brokerguard.clock import FixedClock
from brokerguard.rulebook import load_rulebook
from brokerguard.staff.roles import Role
from tests.conftest import sign_in

HTML = {"accept": "text/html"}


def test_dashboard_needs_sign_in(client: TestClient) -> None:
    response = client.get("/dashboard", headers=HTML, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_home_is_the_dashboard_with_every_requirement_in_the_matrix(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    sign_in(client, engine, clock, Role.auditor)
    page = client.get("/", headers=HTML)
    assert page.status_code == 200
    assert "法遵儀表板" in page.text  # zh-TW by default
    for requirement in load_rulebook().ordered():
        assert f'href="/requirements/{requirement.id}"' in page.text
    assert "尚未執行評估" in page.text
    assert "<svg" in page.text  # the trend chart is served inline, no script
    assert "cdn" not in page.text.lower()


def test_run_assessment_now_from_the_dashboard(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    sign_in(client, engine, clock, Role.security)
    assert "立即執行評估" in client.get("/dashboard").text
    response = client.post("/assessment/run", headers={"hx-request": "true"})
    assert response.status_code == 204
    assert response.headers["hx-redirect"] == "/dashboard"
    page = client.get("/dashboard").text
    assert "尚未執行評估" not in page
    assert "115/11/26 10:00" in page  # last run, ROC date, Taipei time
    assert "cell status-manual" in page or "cell status-fail" in page


def test_auditor_sees_no_run_button_and_cannot_run(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    sign_in(client, engine, clock, Role.auditor)
    assert "立即執行評估" not in client.get("/dashboard").text
    assert client.post("/assessment/run", headers=HTML).status_code == 403


def test_run_without_csrf_token_is_refused(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    sign_in(client, engine, clock, Role.admin)
    del client.headers["X-CSRF-Token"]
    response = client.post("/assessment/run", data={})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "csrf_failed"
    client.headers["X-CSRF-Token"] = "wrong"
    assert client.post("/assessment/run").status_code == 403


def test_requirement_page_shows_both_languages_zh_first(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    sign_in(client, engine, clock, Role.compliance)
    requirement = load_rulebook().ordered()[-1]
    page = client.get(f"/requirements/{requirement.id}")
    assert page.status_code == 200
    text = page.text
    assert requirement.text_zh[:20] in text
    first_en = requirement.text_en.split()[0]
    assert text.index(requirement.text_zh[:20]) < text.index(first_en, text.index("text-en"))
    assert "狀態歷程" in text


def test_requirement_page_lists_children_and_checks_after_a_run(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    sign_in(client, engine, clock, Role.admin)
    client.post("/assessment/run")
    rulebook = load_rulebook()
    parent = next(r for r in rulebook.ordered() if rulebook.children(r.id))
    page = client.get(f"/requirements/{parent.id}").text
    for child in rulebook.children(parent.id):
        assert f'href="/requirements/{child.id}"' in page
    assert "待人工確認" in page or "不符合" in page or "符合" in page


def test_unknown_requirement_is_a_404_naming_the_id(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    sign_in(client, engine, clock, Role.auditor)
    page = client.get("/requirements/A99.9", headers=HTML)
    assert page.status_code == 404
    assert "A99.9" in page.text
    hostile = client.get("/requirements/%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E", headers=HTML)
    assert hostile.status_code == 404
    assert "<img src=x" not in hostile.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in hostile.text


def test_english_dashboard(client: TestClient, engine: Engine, clock: FixedClock) -> None:
    sign_in(client, engine, clock, Role.auditor)
    page = client.get("/dashboard?lang=en").text
    assert "Compliance dashboard" in page
    assert "Art. 9" in page or "Art." in page
