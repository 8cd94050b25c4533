from __future__ import annotations

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine

from brokerguard.clock import FixedClock
from brokerguard.db.engine import session_factory
from brokerguard.policies.service import list_policies
from brokerguard.rulebook import RequirementKind, load_rulebook
from brokerguard.staff.roles import Role
from tests.conftest import sign_in


def _ids() -> str:
    rulebook = load_rulebook()
    policy_kind = [r.id for r in rulebook.ordered() if r.kind is RequirementKind.policy]
    return ", ".join(policy_kind[:2] or [rulebook.obligations()[0].id])


def _register(client: TestClient, **overrides: str) -> Response:
    data = {
        "title": "社群媒體資訊安全管理辦法",
        "version": "2.0",
        "owner_unit": "法令遵循處",
        "requirement_ids": _ids(),
        "notes": "",
    }
    data.update(overrides)
    response: Response = client.post("/policies/new", data=data, follow_redirects=False)
    return response


def _policy_count(engine: Engine) -> int:
    with session_factory(engine)() as session:
        return len(list_policies(session))


def test_register_and_approve(client: TestClient, engine: Engine, clock: FixedClock) -> None:
    sign_in(client, engine, clock, Role.compliance)
    assert client.get("/policies").status_code == 200
    response = _register(client)
    assert response.status_code == 303
    page = client.get("/policies").text
    assert "社群媒體資訊安全管理辦法" in page and "草案" in page
    with session_factory(engine)() as session:
        policy = list_policies(session)[0]
    form = client.get(f"/policies/{policy.id}/approve")
    assert form.status_code == 200
    approved = client.post(
        f"/policies/{policy.id}/approve",
        data={"approver": "董事會", "approved_on": "115/11/01", "next_review": "116/11/01"},
        follow_redirects=False,
    )
    assert approved.status_code == 422 and "法遵單位" in approved.text  # free text refused
    assert 'value="compliance-user"' in form.text  # the form offers the signed-in approver
    approved = client.post(
        f"/policies/{policy.id}/approve",
        data={
            "approver": "compliance-user",
            "approved_on": "115/11/01",
            "next_review": "116/11/01",
        },
        follow_redirects=False,
    )
    assert approved.status_code == 303
    page = client.get("/policies").text
    assert "已核定" in page and "115/11/01" in page


def test_register_refusals_reshow_input(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    sign_in(client, engine, clock, Role.security)
    unknown = _register(client, requirement_ids="A5.1, Q12")
    assert unknown.status_code == 404
    assert "Q12" in unknown.text
    assert 'value="社群媒體資訊安全管理辦法"' in unknown.text
    for field, value in (("title", "  "), ("version", ""), ("requirement_ids", "")):
        refused = _register(client, **{field: value})
        assert refused.status_code == 422
        assert 'class="field-error"' in refused.text
    assert _policy_count(engine) == 0


def test_approval_refusals(client: TestClient, engine: Engine, clock: FixedClock) -> None:
    sign_in(client, engine, clock, Role.admin)
    _register(client)
    with session_factory(engine)() as session:
        policy_id = list_policies(session)[0].id
    cases = [
        ({"approver": "董事會", "approved_on": "", "next_review": "116/01/01"}, "請填寫核定日期"),
        (
            {"approver": "董事會", "approved_on": "115/01/01", "next_review": "114/01/01"},
            "下次檢視日須晚於核定日期",
        ),
        (
            {"approver": "董事會", "approved_on": "115/01/01", "next_review": "120/01/01"},
            "不得超過三年",
        ),
        ({"approver": "", "approved_on": "115/01/01", "next_review": "116/01/01"}, "請填寫核定人"),
        ({"approver": "x", "approved_on": "yesterday", "next_review": "116/01/01"}, "不是有效日期"),
    ]
    for data, text in cases:
        response = client.post(f"/policies/{policy_id}/approve", data=data)
        assert response.status_code == 422, data
        assert text in response.text
        assert f'value="{data["next_review"]}"' in response.text
    with session_factory(engine)() as session:
        assert list_policies(session)[0].status == "draft"
    assert client.get("/policies/nope/approve").status_code == 404


def test_roles(client: TestClient, engine: Engine, clock: FixedClock) -> None:
    sign_in(client, engine, clock, Role.security, username="sec")
    _register(client)
    with session_factory(engine)() as session:
        policy_id = list_policies(session)[0].id
    dates = {"approver": "x", "approved_on": "115/01/01", "next_review": "116/01/01"}
    # the security unit registers but may not approve
    assert client.post(f"/policies/{policy_id}/approve", data=dates).status_code == 403
    assert "核定</a>" not in client.get("/policies").text
    client.cookies.clear()
    del client.headers["X-CSRF-Token"]
    sign_in(client, engine, clock, Role.auditor)
    assert _register(client).status_code == 403
    assert client.post(f"/policies/{policy_id}/approve", data=dates).status_code == 403
    assert client.get("/policies").status_code == 200
    assert _policy_count(engine) == 1
