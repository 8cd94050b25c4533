"""The Python client batches events to the ingest API and keeps them when delivery fails."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from brokerguard.audit import apikeys
from brokerguard.audit.client import AuditClient, AuditDeliveryError, Transport
from brokerguard.clock import FixedClock


def _via(client: TestClient) -> Transport:
    def send(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        response = client.post(url.removeprefix("https://bg.test"), content=body, headers=headers)
        return response.status_code, response.content

    return send


def test_client_sends_batches(client: TestClient, engine: Engine, clock: FixedClock) -> None:
    with Session(engine) as session:
        _, key = apikeys.create_key(session, clock, "crm", "admin")
        session.commit()
    audit = AuditClient("https://bg.test", key, batch_size=2, transport=_via(client))
    with audit:
        for n in range(5):
            audit.record(
                account="teller01",
                function="crm.customer.view",
                system="crm",
                query=f"view A{n}",
                customer_ids=[f"A{n}"],
                when=clock.now(),
            )
    assert audit.pending == [] and audit.rejected == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_events")).scalar() == 5


def test_failed_delivery_keeps_the_events(client: TestClient, clock: FixedClock) -> None:
    audit = AuditClient("https://bg.test", "bgk_wrong", transport=_via(client))
    audit.record(account="a", function="f", system="crm", query="q", when=clock.now())
    with pytest.raises(AuditDeliveryError, match="401"):
        audit.flush()
    assert len(audit.pending) == 1


def test_client_refuses_plain_http_and_bad_events() -> None:
    with pytest.raises(ValueError, match="https"):
        AuditClient("http://example.com", "k")
    audit = AuditClient("https://bg.test", "k", transport=lambda *a: (500, b""))
    with pytest.raises(ValueError):
        audit.record(account="", function="f", system="s", query="q")
    with pytest.raises(ValueError):
        audit.record(account="a", function="f", system="s")  # neither query nor digest
