"""OCSF mapping: login -> Authentication 3002, SQL query -> Datastore Activity 6005,
other functions -> API Activity 6003."""

from __future__ import annotations

from typing import Any

import pytest

from brokerguard.audit.ocsf import to_ocsf


def _record(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "seq": 4,
        "event_id": "6f1c1f5e-9d35-4c4b-8b1f-2f1d6c1e0a11",
        "time": "2026-11-26T02:00:00.000000Z",
        "recorded_at": "2026-11-26T02:00:01.000000Z",
        "account": "A100001",
        "function": "crm.customer.view",
        "system": "crm",
        "query": "view customer",
        "customer_ids": ["A100001"],
        "attributes": {},
        "outcome": "success",
        "source_ip": "10.0.0.1",
        "user_agent": "ua",
        "leaf_hash": "00",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("overrides", "class_uid", "activity_id"),
    [
        ({"function": "etrade.login.password", "outcome": "failure"}, 3002, 1),
        ({"function": "etrade.session.issue"}, 3002, 3),
        ({"function": "crm.customer.view", "query": "SELECT * FROM c"}, 6005, 2),
        ({"function": "crm.customer.edit", "query": "UPDATE c SET x=1"}, 6005, 3),
        ({"function": "crm.customer.view"}, 6003, 2),
        ({"function": "crm.note.create"}, 6003, 1),
    ],
)
def test_classes(overrides: dict[str, Any], class_uid: int, activity_id: int) -> None:
    event = to_ocsf(_record(**overrides))
    assert (event["class_uid"], event["activity_id"]) == (class_uid, activity_id)
    assert event["type_uid"] == class_uid * 100 + activity_id
    assert event["time"] == 1795658400000
    assert event["metadata"]["uid"] == _record()["event_id"]
    assert event["unmapped"]["customer_ids"] == ["A100001"]


def test_failed_login_carries_reason() -> None:
    event = to_ocsf(
        _record(
            function="etrade.login.password",
            outcome="failure",
            attributes={"reason": "locked"},
        )
    )
    assert (event["status_id"], event["status_detail"]) == (2, "locked")
    assert event["user"] == {"name": "A100001"}
