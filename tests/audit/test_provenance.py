"""Pentest finding 6: events could be forged under the platform's own system names.

Was: an admin created an API key for system ``brokerguard-etrade`` and posted
``etrade.login.password`` events backdated to 2019; stored rows did not record which
key wrote them. Now the ``brokerguard*`` names are reserved, each event stored through
the API records its key (``ingested_by``), and events older than the backfill window
(24 h) need ``backfill=true`` and are marked ``backfill``.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from brokerguard.audit import apikeys
from brokerguard.audit.models import AuditApiKey
from brokerguard.clock import FixedClock
from brokerguard.errors import ValidationError
from brokerguard.staff.roles import Role
from tests.audit.helpers import raw_event
from tests.audit.test_api import _key
from tests.conftest import sign_in
from tests.stored_audit import stored_events

OLD = "2019-03-01T09:00:00+08:00"


@pytest.mark.parametrize("system", ["brokerguard", "brokerguard-etrade", "brokerguard.audit"])
def test_platform_system_names_are_reserved(
    client: TestClient, engine: Engine, clock: FixedClock, system: str
) -> None:
    with Session(engine) as session, pytest.raises(ValidationError) as refused:
        apikeys.create_key(session, clock, system, "admin")
    assert "reserved" in refused.value.message
    sign_in(client, engine, clock, Role.admin)
    answer = client.post("/api/v1/audit/keys", json={"system": system})
    assert answer.status_code == 422 and answer.json()["error"]["field"] == "system"


def test_a_key_made_for_a_reserved_name_before_the_fix_is_refused(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    token = _key(engine, clock, "legacy")
    with Session(engine) as session:
        for key in session.query(AuditApiKey):
            key.system = "brokerguard-etrade"
        session.commit()
    forged = raw_event(1, system="brokerguard-etrade", function="etrade.login.password")
    answer = client.post(
        "/api/v1/audit/events", json=[forged], headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 401
    assert stored_events(engine) == []


def test_each_event_records_its_key_and_backdating_needs_backfill(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    token = _key(engine, clock, "crm")
    with Session(engine) as session:
        key_id = session.query(AuditApiKey).one().id
    headers = {"Authorization": f"Bearer {token}"}
    fresh = raw_event(1, attributes={"ingested_by": "internal:brokerguard"})
    backdated = raw_event(2, when=OLD)
    answer = client.post("/api/v1/audit/events", json=[fresh, backdated], headers=headers).json()
    assert answer["accepted"] == 1
    (error,) = answer["errors"]
    assert error["index"] == 1 and error["field"] == "time" and "backfill" in error["reason"]
    (stored,) = stored_events(engine)
    assert stored.attributes == {"ingested_by": f"apikey:{key_id}"}  # the sender's is replaced

    history = client.post(
        "/api/v1/audit/events", params={"backfill": "true"}, json=[backdated], headers=headers
    )
    assert history.json()["accepted"] == 1
    marked = stored_events(engine)[-1]
    assert marked.attributes == {"backfill": 1, "ingested_by": f"apikey:{key_id}"}
