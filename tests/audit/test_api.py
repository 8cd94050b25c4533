"""Batch ingest API with per-system keys, proofs, search (audited), export, fail-closed reads."""

from __future__ import annotations

import io
import json

import pytest
from fastapi import APIRouter, Depends, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from brokerguard.audit import apikeys, service
from brokerguard.audit.web import audited
from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.db.engine import session_factory
from brokerguard.errors import ServiceUnavailableError
from brokerguard.kernel.audit import AuditEvent, AuditSink, MemoryAuditSink
from brokerguard.staff.roles import Role
from brokerguard.web.app import create_app
from tests.audit.helpers import raw_event
from tests.conftest import sign_in


def _key(engine: Engine, clock: FixedClock, system: str = "crm") -> str:
    with Session(engine) as session:
        _, token = apikeys.create_key(session, clock, system, "admin")
        session.commit()
    return token


def test_batch_ingest_with_system_key(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    token = _key(engine, clock)
    events = [raw_event(i) for i in range(3)] + [raw_event(9, system="other"), {"x": 1}]
    response = client.post(
        "/api/v1/audit/events",
        json={"events": events},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    data = response.json()
    assert (data["accepted"], data["rejected"]) == (3, 2)
    assert {e["index"] for e in data["errors"]} == {3, 4}
    assert next(e for e in data["errors"] if e["index"] == 3)["field"] == "system"
    again = client.post(
        "/api/v1/audit/events", json=events[:3], headers={"X-API-Key": token}
    ).json()
    assert again["accepted"] == 0
    assert all(e["reason"] == "duplicate" for e in again["errors"])


@pytest.mark.parametrize(
    "auth",
    [None, "Bearer nope", "Bearer bgk_00000000-0000-0000-0000-000000000000_" + "a" * 43],
)
def test_batch_ingest_refuses_missing_or_unknown_keys(client: TestClient, auth: str | None) -> None:
    headers = {"Authorization": auth} if auth else {}
    response = client.post("/api/v1/audit/events", json=[raw_event(1)], headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


def test_revoked_key_is_refused(client: TestClient, engine: Engine, clock: FixedClock) -> None:
    token = _key(engine, clock)
    key_id = token.split("_")[1]
    with Session(engine) as session:
        apikeys.revoke_key(session, clock, key_id)
        session.commit()
    response = client.post(
        "/api/v1/audit/events", json=[raw_event(1)], headers={"X-API-Key": token}
    )
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"", 422),
        (b"not json", 422),
        (b'{"events": 5}', 422),
        (b"[]", 422),
        (b"[" * 50000, 422),
        (json.dumps([raw_event(i) for i in range(10_001)]).encode(), 413),
    ],
)
def test_batch_ingest_refuses_malformed_bodies(
    client: TestClient, engine: Engine, clock: FixedClock, body: bytes, status: int
) -> None:
    token = _key(engine, clock)
    response = client.post(
        "/api/v1/audit/events",
        content=body,
        headers={"X-API-Key": token, "Content-Type": "application/json"},
    )
    assert response.status_code == status, response.text
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_events")).scalar() == 0


def test_api_key_system_names_are_checked(engine: Engine, clock: FixedClock) -> None:
    from brokerguard.errors import ValidationError

    with Session(engine) as session:
        for bad in ("", "UPPER", "a b", "x" * 200, "../etc"):
            with pytest.raises(ValidationError):
                apikeys.create_key(session, clock, bad, "admin")


def _seed(engine: Engine, clock: FixedClock, settings: Settings) -> None:
    factory = session_factory(engine)
    with factory() as session:
        items = [raw_event(i, customer_ids=[f"C{i % 2}"]) for i in range(6)]
        items.append(raw_event(7, customer_ids=["50%_off"]))
        result = service.ingest_batch(session, clock, items)
        assert result.accepted == 7
        session.commit()
    service.seal_and_commit(factory, clock, settings)


def test_search_proofs_and_search_is_audited(
    client: TestClient, engine: Engine, clock: FixedClock, settings: Settings
) -> None:
    _seed(engine, clock, settings)
    sign_in(client, engine, clock, Role.auditor)
    hits = client.get("/api/v1/audit/events", params={"customer_id": "C1"}).json()["events"]
    assert sorted(h["seq"] for h in hits if h["system"] == "crm") == [1, 3, 5]
    # the search itself touched C1 and was recorded first
    assert [h["function"] for h in hits if h["system"] == "brokerguard"] == [
        "brokerguard.audit.search"
    ]
    wild = client.get("/api/v1/audit/events", params={"customer_id": "50%"}).json()["events"]
    assert {h["system"] for h in wild} == {"brokerguard"}  # LIKE wildcards are literal
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT account, query FROM audit_events "
                "WHERE function = 'brokerguard.audit.search' ORDER BY seq"
            )
        ).first()
    assert row is not None
    assert row[0] == "auditor-user" and "customer_id=C1" in row[1]

    proof = client.get("/api/v1/audit/proofs/inclusion", params={"seq": 4}).json()
    assert proof["tree_size"] == 7
    head = client.get("/api/v1/audit/heads/latest").json()
    assert head["tree_size"] == 7  # the searches are not sealed yet
    assert client.get("/api/v1/audit/proofs/inclusion", params={"seq": -1}).status_code == 422
    assert client.get("/api/v1/audit/proofs/inclusion", params={"seq": 99}).status_code == 422
    assert client.get("/api/v1/audit/proofs/consistency", params={"size1": 7}).status_code == 200
    assert client.post("/api/v1/audit/verify").json()["ok"] is True
    assert client.get("/api/v1/audit/public-key").text.startswith("-----BEGIN PUBLIC KEY")


def test_search_needs_an_investigator_role(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    assert client.get("/api/v1/audit/events").status_code == 401
    sign_in(client, engine, clock, Role.app_team)
    assert client.get("/api/v1/audit/events").status_code == 403


def test_ui_search_and_exports_with_proofs(
    client: TestClient, engine: Engine, clock: FixedClock, settings: Settings
) -> None:
    _seed(engine, clock, settings)
    sign_in(client, engine, clock, Role.security)
    page = client.get("/audit", params={"customer_id": "C0"})
    assert page.status_code == 200
    assert "/audit?customer_id=C0" in page.text
    csv_body = client.get("/audit/export.csv", params={"customer_id": "C0"})
    assert csv_body.status_code == 200
    lines = csv_body.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("# tree_head")
    assert len(lines) == 2 + 4  # three crm reads and the page's own recorded search
    assert sum(1 for line in lines if ",crm," in line) == 3
    xlsx = client.get("/audit/export.xlsx", params={"account": "teller1"})
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(xlsx.content))
    assert book["events"].max_row == 2
    assert client.get("/audit/export.pdf").status_code == 422
    bad = client.get("/audit", params={"time_from": "yesterday"}, headers={"accept": "text/html"})
    assert bad.status_code == 422 and "not a date/time" in bad.text
    with engine.connect() as conn:
        functions = set(
            conn.execute(
                text("SELECT function FROM audit_events WHERE system = 'brokerguard'")
            ).scalars()
        )
    assert functions == {"brokerguard.audit.search", "brokerguard.audit.export"}


class _BrokenSink:
    def record(self, event: AuditEvent) -> None:
        raise ServiceUnavailableError("database down")


def _app_with_route(
    settings: Settings, engine: Engine, clock: FixedClock, sink: AuditSink, closed: bool
) -> FastAPI:
    app = create_app(settings, engine=engine, clock=clock, audit_sink=sink)
    router = APIRouter()

    @router.get(
        "/api/v1/test/customers/{customer_id}",
        dependencies=[
            Depends(audited("crm.customer.view", customer_param="customer_id", fail_closed=closed))
        ],
    )
    def read_customer(customer_id: str) -> dict[str, str]:
        return {"customer": customer_id}

    app.include_router(router)
    return app


@pytest.mark.parametrize(("closed", "status"), [(True, 503), (False, 200)])
def test_personal_data_read_fails_closed(
    settings: Settings, engine: Engine, clock: FixedClock, closed: bool, status: int
) -> None:
    app = _app_with_route(settings, engine, clock, _BrokenSink(), closed)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        sign_in(client, engine, clock, Role.security)
        response = client.get("/api/v1/test/customers/C0042")
        assert response.status_code == status


def test_personal_data_read_is_recorded(
    settings: Settings, engine: Engine, clock: FixedClock
) -> None:
    sink = MemoryAuditSink()
    app = _app_with_route(settings, engine, clock, sink, True)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        sign_in(client, engine, clock, Role.security)
        assert client.get("/api/v1/test/customers/C0042?x=1").status_code == 200
    (event,) = sink.events
    assert event.customer_ids == ("C0042",)
    assert event.account == "security-user"
    assert event.query == "GET /api/v1/test/customers/C0042?x=1"


def test_default_app_stores_audited_reads_in_the_database(
    settings: Settings, engine: Engine, clock: FixedClock
) -> None:
    """No sink given: the audited read is committed to audit_events before the handler runs."""
    app = create_app(settings, engine=engine, clock=clock)
    router = APIRouter()

    @router.get(
        "/api/v1/test/customers/{customer_id}",
        dependencies=[Depends(audited("crm.customer.view", customer_param="customer_id"))],
    )
    def read_customer(customer_id: str) -> dict[str, str]:
        raise RuntimeError("the handler fails after the read was audited")

    app.include_router(router)
    with TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False) as client:
        sign_in(client, engine, clock, Role.security)
        assert client.get("/api/v1/test/customers/C0042").status_code == 500
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT function, customer_ids FROM audit_events")).all()
    assert [row[0] for row in rows] == ["crm.customer.view"]
    assert "C0042" in rows[0][1]


def test_proofs_verify_client_side_with_the_public_key(
    client: TestClient, engine: Engine, clock: FixedClock, settings: Settings
) -> None:
    import base64

    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    from brokerguard.audit import merkle
    from brokerguard.audit.sealing import head_payload
    from brokerguard.clock import as_utc

    _seed(engine, clock, settings)
    with Session(engine) as session:
        items = [raw_event(i + 100) for i in range(5)]
        service.ingest_batch(session, clock, items)
        session.commit()
    service.seal_and_commit(session_factory(engine), clock, settings)
    sign_in(client, engine, clock, Role.auditor)
    proof = client.get("/api/v1/audit/proofs/inclusion", params={"seq": 2}).json()
    b64 = base64.b64decode
    merkle.verify_inclusion(
        proof["seq"],
        proof["tree_size"],
        b64(proof["leaf_hash"]),
        [b64(p) for p in proof["proof"]],
        b64(proof["root"]),
    )
    head = proof["tree_head"]
    from datetime import datetime

    payload = head_payload(
        tree_size=head["tree_size"],
        first_seq=head["first_seq"],
        root=head["root"],
        sealed_at=as_utc(datetime.fromisoformat(head["sealed_at"].replace("Z", "+00:00"))),
        period=head["period"],
        prev_head_hash=head["prev_head_hash"],
        key_id=head["key_id"],
    )
    key = load_pem_public_key(client.get("/api/v1/audit/public-key").content)
    key.verify(bytes.fromhex(head["signature"]), payload)  # type: ignore[union-attr,call-arg]
    consistency = client.get(
        "/api/v1/audit/proofs/consistency", params={"size1": 7, "size2": head["tree_size"]}
    ).json()
    merkle.verify_consistency(
        7,
        consistency["size2"],
        [b64(p) for p in consistency["proof"]],
        b64(consistency["root1"]),
        b64(consistency["root2"]),
    )
    assert client.get("/api/v1/audit/proofs/consistency", params={"size1": 3}).status_code == 404


def test_oversized_event_in_a_batch_is_refused_by_index(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    token = _key(engine, clock)
    big = raw_event(2, attributes={"blob": "x" * 70_000})
    response = client.post(
        "/api/v1/audit/events", json=[raw_event(1), big], headers={"X-API-Key": token}
    )
    data = response.json()
    assert (data["accepted"], data["rejected"]) == (1, 1)
    assert data["errors"][0]["index"] == 1 and "limit" in data["errors"][0]["reason"]


@pytest.mark.parametrize(
    "params",
    [
        {"customer_id": "x" * 300},
        {"account": "a" * 300},
        {"limit": 0},
        {"limit": 999999},
        {"offset": -1},
        {"time_from": "not-a-time"},
        {"format": "xml"},
        {"time_from": "2026-11-27T00:00:00+08:00", "time_to": "2026-11-26T00:00:00+08:00"},
    ],
)
def test_search_refuses_hostile_parameters(
    client: TestClient, engine: Engine, clock: FixedClock, params: dict[str, object]
) -> None:
    sign_in(client, engine, clock, Role.auditor)
    response = client.get("/api/v1/audit/events", params=params)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"]
