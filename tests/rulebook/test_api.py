"""``/api/v1/rulebook``: list, one requirement, OSCAL catalog; errors name the field or ID."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from brokerguard.assessment.engine import run_assessment
from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.db.engine import session_factory
from brokerguard.rulebook import load_rulebook
from brokerguard.staff.roles import Role
from tests.rulebook.oscal_shape import assessment_results_problems, catalog_problems


def test_requires_sign_in(client: TestClient) -> None:
    for path in ("/api/v1/rulebook", "/api/v1/rulebook/A9.7", "/api/v1/rulebook/oscal/catalog"):
        response = client.get(path)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthenticated"


def test_list_and_filter(client: TestClient, engine: Engine, clock: FixedClock) -> None:
    sign_in_as_auditor(client, engine, clock)
    everything = client.get("/api/v1/rulebook").json()
    assert everything["count"] == len(load_rulebook())
    assert everything["requirements"][0]["id"] == "A1"
    policy = client.get("/api/v1/rulebook", params={"article": 5, "kind": "policy"}).json()
    assert [r["id"] for r in policy["requirements"]] == [
        "A5.1",
        "A5.2",
        "A5.3",
        "A5.3.2",
        "A5.3.3",
        "A5.4",
        "A5.4.2",
    ]


def sign_in_as_auditor(client: TestClient, engine: Engine, clock: FixedClock) -> None:
    from tests.conftest import sign_in

    sign_in(client, engine, clock, Role.auditor)


def test_one_requirement(client: TestClient, engine: Engine, clock: FixedClock) -> None:
    sign_in_as_auditor(client, engine, clock)
    response = client.get("/api/v1/rulebook/A6.3.3")
    assert response.status_code == 200
    body = response.json()
    assert body["text_zh"] == "行動應用程式檢測："
    assert body["children"] == ["A6.3.3.1", "A6.3.3.2", "A6.3.3.3"]
    assert body["parent"] == "A6.3"
    assert body["article_title_zh"] == "行動裝置安全控管"
    assert isinstance(body["checks"], list)


@pytest.mark.parametrize(
    ("requirement_id", "named"),
    [
        ("A9.99", "'A9.99'"),
        ("a9.7", "'a9.7'"),
        ("<script>alert(1)</script>", "'<script>alert(1)</script>'"),
        ("A" * 4000, "'" + "A" * 32 + "…'"),
        ("..%2F..%2Fetc", "'../../etc'"),
    ],
)
def test_unknown_id_is_404_naming_it(
    client: TestClient, engine: Engine, clock: FixedClock, requirement_id: str, named: str
) -> None:
    sign_in_as_auditor(client, engine, clock)
    response = client.get("/api/v1/rulebook/" + requirement_id)
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "unknown_requirement"
    assert error["field"] == "requirement_id"
    assert error["message"] == f"unknown requirement ID: {named}"
    assert response.headers["content-type"].startswith("application/json")


def test_a_control_character_in_the_id_is_refused_by_the_text_policy(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    sign_in_as_auditor(client, engine, clock)
    response = client.get("/api/v1/rulebook/A9.7%00")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["field"] == "requirement_id"
    assert "U+0000 at position 5" in error["message"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"article": "0"}, "query.article"),
        ({"article": "100"}, "query.article"),
        ({"article": "nine"}, "query.article"),
        ({"article": ""}, "query.article"),
        ({"kind": "magic"}, "kind"),
        ({"kind": "k" * 41}, "query.kind"),
    ],
)
def test_bad_filters_are_422_naming_the_field(
    client: TestClient, engine: Engine, clock: FixedClock, params: dict[str, str], field: str
) -> None:
    sign_in_as_auditor(client, engine, clock)
    response = client.get("/api/v1/rulebook", params=params)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == field


def test_unknown_article_in_range_is_422(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    sign_in_as_auditor(client, engine, clock)
    response = client.get("/api/v1/rulebook", params={"article": 14})
    assert response.status_code == 422
    assert "unknown article 14" in response.json()["error"]["message"]


def test_oscal_catalog_endpoint(client: TestClient, engine: Engine, clock: FixedClock) -> None:
    sign_in_as_auditor(client, engine, clock)
    document = client.get("/api/v1/rulebook/oscal/catalog").json()
    problems, found = catalog_problems(document)
    assert problems == [] and len(found) == len(load_rulebook())
    assert document["catalog"]["metadata"]["last-modified"] == "2026-11-26T02:00:00Z"


def test_listed_in_openapi(client: TestClient) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/rulebook/{requirement_id}" in paths
    assert "/api/v1/rulebook" in paths


def test_policy_templates(client: TestClient, engine: Engine, clock: FixedClock) -> None:
    sign_in_as_auditor(client, engine, clock)
    listing = client.get("/api/v1/rulebook/policy-templates").json()
    assert [t["article"] for t in listing] == [5, 6, 7]
    assert "A7.1.6" in listing[2]["requirement_ids"]
    one = client.get("/api/v1/rulebook/policy-templates/art07-iot-devices")
    assert one.status_code == 200
    assert one.headers["content-type"].startswith("text/markdown")
    assert one.text.startswith("# 物聯網設備資訊安全管理辦法（範本）")
    for bad in ("nope", "..%2F..%2Fpyproject", "ART07-IOT-DEVICES", "x" * 3000):
        missing = client.get("/api/v1/rulebook/policy-templates/" + bad)
        assert missing.status_code == 404
        assert missing.json()["error"]["field"] == "template"


def test_oscal_assessment_results_endpoint(
    client: TestClient, engine: Engine, clock: FixedClock, settings: Settings
) -> None:
    sign_in_as_auditor(client, engine, clock)
    missing = client.get("/api/v1/rulebook/oscal/assessment-results")
    assert missing.status_code == 404 and missing.json()["error"]["field"] == "run_id"
    with session_factory(engine)() as session:
        snapshot = run_assessment(session, settings, clock, scope="A8", triggered_by="test")
        session.commit()
    latest = client.get("/api/v1/rulebook/oscal/assessment-results").json()
    assert assessment_results_problems(latest) == []
    named = client.get(
        "/api/v1/rulebook/oscal/assessment-results", params={"run_id": snapshot.run_id}
    ).json()
    assert named["assessment-results"]["results"] == latest["assessment-results"]["results"]
    unknown = client.get("/api/v1/rulebook/oscal/assessment-results", params={"run_id": "nope"})
    assert unknown.status_code == 404
    too_long = client.get("/api/v1/rulebook/oscal/assessment-results", params={"run_id": "x" * 65})
    assert too_long.status_code == 422 and too_long.json()["error"]["field"] == "query.run_id"
