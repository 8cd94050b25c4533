"""Issue 20 item 3: `0` is not a date, a boolean or a time at the API edge."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.staff.roles import Role
from brokerguard.web.app import create_app
from tests.conftest import sign_in

DEVICE = {
    "device_id": "D-1",
    "ownership": "company",
    "holder": "王小明",
    "unit": "資安專責單位",
    "device_type": "phone",
    "os": "ios",
}
ASSET = {"asset_tag": "DVR-01", "name": "大廳監視器", "device_type": "dvr"}
VENDOR = {"name": "海康"}
FINDING = {"requirement_id": "A9.3", "title": "登入失敗未告警"}

CASES = [
    ("/api/v1/devices", DEVICE, "policy_ack_on", 0),
    ("/api/v1/devices", DEVICE, "sensitive_access", 0),
    ("/api/v1/iot/assets", ASSET, "purchased_on", 0),
    ("/api/v1/iot/assets", ASSET, "security_label", 1),
    ("/api/v1/iot/vendors", VENDOR, "support_end", 0),
    ("/api/v1/iot/vendors", VENDOR, "security_clauses", "yes"),
    ("/api/v1/findings", FINDING, "due_date", 0),
    ("/api/v1/findings", FINDING, "due_date", "115/12/31"),
]


@pytest.mark.parametrize(("path", "body", "field", "value"), CASES)
def test_loose_values_are_refused_and_nothing_is_stored(
    client: TestClient,
    engine: Engine,
    clock: FixedClock,
    path: str,
    body: dict[str, object],
    field: str,
    value: object,
) -> None:
    sign_in(client, engine, clock, Role.security)
    refused = client.post(path, json={**body, field: value})
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["field"] == field
    listed = client.get(path).json()
    assert (listed.get("items", listed) if isinstance(listed, dict) else listed) == []
    accepted = client.post(path, json=body)
    assert accepted.status_code == 201, accepted.text


def test_biometric_assessment_valid_until_is_not_a_number(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    sign_in(client, engine, clock, Role.security)
    path = "/api/v1/etrade/staff/biometric-assessments"
    body = {"method": "app-face", "conclusion": "effective"}
    refused = client.post(path, json={**body, "valid_until": 0})
    assert refused.status_code == 422
    assert refused.json()["field"] == "valid_until"  # the e-trading API's flat error shape
    ok = client.post(path, json={**body, "valid_until": "2027-01-01T00:00:00+08:00"})
    assert ok.status_code == 201, ok.text


def test_audit_search_times_are_iso_text(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    sign_in(client, engine, clock, Role.security)
    refused = client.get("/api/v1/audit/events", params={"time_from": "0.5"})
    assert refused.status_code == 422
    assert refused.json()["error"]["field"] == "query.time_from"
    ok = client.get("/api/v1/audit/events", params={"time_from": "2026-01-01T00:00:00+08:00"})
    assert ok.status_code == 200, ok.text


STRICT_BOOLEANS = [
    ("/api/v1/findings", "overdue"),
    ("/api/v1/devices/compliance", "only_problems"),
    ("/api/v1/iot/scans/no-such-scan/hosts", "unregistered"),
]


@pytest.mark.parametrize(("path", "name"), STRICT_BOOLEANS)
def test_query_booleans_are_true_or_false(
    client: TestClient, engine: Engine, clock: FixedClock, path: str, name: str
) -> None:
    sign_in(client, engine, clock, Role.security)
    for loose in ("1", "0", "yes", "on", "True", "", "t" * 5000):
        refused = client.get(path, params={name: loose})
        assert refused.status_code == 422, (loose, refused.text)
        error = refused.json()["error"]
        assert error["field"] == f"query.{name}", error
        assert "true or false" in error["message"], error
    if "no-such-scan" not in path:
        assert client.get(path, params={name: "true"}).status_code == 200
        assert client.get(path, params={name: "false"}).status_code == 200


def test_the_release_gate_form_boolean_is_true_or_false(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    sign_in(client, engine, clock, Role.security)
    refused = client.post(
        "/api/v1/mobile/apps/no-such-app/gate",
        files={"artifact": ("app.apk", b"PK\x03\x04", "application/octet-stream")},
        data={"major_update": "1"},
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["field"] == "major_update"


def _parameters(dependant: Dependant) -> Iterator[Any]:
    yield from dependant.query_params
    yield from dependant.body_params
    for sub in dependant.dependencies:
        yield from _parameters(sub)


def test_every_documented_boolean_parameter_is_strict(tmp_path: Path) -> None:
    """A new ``flag: bool`` query or form parameter of the JSON API fails here: use QueryBool."""
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/x.db", data_dir=tmp_path))
    found = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        for param in _parameters(route.dependant):
            annotation = param.field_info.annotation
            if "bool" in repr(annotation):
                found.append(context.path)
                assert "strict_text_bool" in repr((annotation, param.field_info.metadata)), (
                    context.path,
                    param.name,
                )
    assert len(found) >= 5
