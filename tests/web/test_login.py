from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from brokerguard.clock import FixedClock
from brokerguard.staff.roles import Role
from tests.conftest import STAFF_PASSWORD, csrf_from, make_staff, sign_in


def test_login_page_is_zh_tw_by_default(client: TestClient) -> None:
    page = client.get("/login")
    assert page.status_code == 200
    assert "登入" in page.text
    assert page.headers["x-frame-options"] == "DENY"
    assert "default-src 'self'" in page.headers["content-security-policy"]


def test_english_switch(client: TestClient) -> None:
    page = client.get("/login?lang=en")
    assert "Sign in" in page.text
    assert client.get("/login").text.count("Sign in") >= 1  # remembered in a cookie


def test_wrong_password_is_refused_and_form_reshows_username(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    make_staff(engine, clock, "alice", Role.security)
    token = csrf_from(client)
    response = client.post(
        "/login", data={"username": "alice", "password": "nope", "csrf_token": token}
    )
    assert response.status_code == 401
    assert "帳號或密碼錯誤" in response.text
    assert 'value="alice"' in response.text


def test_login_without_csrf_token_is_refused(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    make_staff(engine, clock, "bob", Role.compliance)
    client.get("/login")
    response = client.post("/login", data={"username": "bob", "password": STAFF_PASSWORD})
    assert response.status_code == 400
    assert "staff_id" not in client.cookies.get("bg_session", "")


def test_sign_in_and_out(client: TestClient, engine: Engine, clock: FixedClock) -> None:
    token = sign_in(client, engine, clock, Role.auditor)
    response = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert client.get("/api/v1/me").status_code == 401


def test_me_shows_roles(client: TestClient, engine: Engine, clock: FixedClock) -> None:
    sign_in(client, engine, clock, Role.compliance, username="gina")
    me = client.get("/api/v1/me").json()
    assert me["username"] == "gina"
    assert me["roles"] == ["compliance"]


def test_open_redirect_is_refused(client: TestClient, engine: Engine, clock: FixedClock) -> None:
    make_staff(engine, clock, "carol", Role.admin)
    token = csrf_from(client)
    response = client.post(
        "/login",
        data={
            "username": "carol",
            "password": STAFF_PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/x",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard"


def test_unknown_api_path_is_json_404(client: TestClient) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_oversized_login_field_is_refused(client: TestClient) -> None:
    token = csrf_from(client)
    response = client.post(
        "/login", data={"username": "x" * 100, "password": "y", "csrf_token": token}
    )
    assert response.status_code == 422
