"""Pentest finding 1: the answer was sent before the request's unit of work committed.

The request's commit (its audit batch included) now runs before the response starts;
a commit that fails is a 503 in the error shape, never a 2xx, for JSON, pages and
streamed bodies alike. Each test reproduces an attack of the report on both databases.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import StreamingResponse
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, select

from brokerguard.audit.models import AuditEventRow
from brokerguard.audit.web import request_event
from brokerguard.auth.models import FailureCounter
from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.db.engine import make_engine, session_factory
from brokerguard.deepfake import service as deepfake
from brokerguard.staff.roles import Role
from brokerguard.web.app import create_app
from brokerguard.web.deps import AppAuditSink, AppClock
from tests.auth.helpers import PASSWORD
from tests.auth.test_api import LOGIN, make_customer
from tests.conftest import sign_in
from tests.faults import audit_appends_blocked
from tests.stored_audit import stored_events

CUSTOMER_REF = "9801-555001"


def _video_session(engine: Engine, clock: FixedClock) -> str:
    with session_factory(engine)() as s:
        row = deepfake.start_session(
            s, clock, customer_ref=CUSTOMER_REF, purpose="account_opening", operator="op-amy"
        )
        s.commit()
        return row.id


def test_a_read_whose_audit_record_fails_is_refused(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    """Was: 200 with the customer reference, and no audit record was ever written."""
    sid = _video_session(engine, clock)
    sign_in(client, engine, clock, Role.auditor)
    before = len(stored_events(engine))
    with audit_appends_blocked(engine):
        answer = client.get(f"/api/v1/deepfake/sessions/{sid}")
    assert answer.status_code == 503
    assert answer.json()["error"]["code"] == "unavailable"
    assert CUSTOMER_REF not in answer.text
    assert len(stored_events(engine)) == before
    again = client.get(f"/api/v1/deepfake/sessions/{sid}")
    assert again.status_code == 200 and again.json()["customer_ref"] == CUSTOMER_REF
    assert stored_events(engine)[-1].customer_ids == (CUSTOMER_REF,)


def test_a_change_whose_commit_fails_is_not_reported_done(
    client: TestClient, engine: Engine, clock: FixedClock, settings: Settings
) -> None:
    """Was: the staff unlock answered 204 and the account stayed locked."""
    make_customer(engine, clock, settings)
    for i in range(5):
        client.post(LOGIN, json={"account": "A100200", "password": f"Wrong-{i}x"})
    sign_in(client, engine, clock, Role.security)
    url = "/api/v1/etrade/staff/customers/A100200/unlock"
    with audit_appends_blocked(engine):
        refused = client.post(url, json={"reason": "客戶臨櫃驗證身分"})
    assert refused.status_code == 503
    assert refused.json()["error"] == "unavailable" and refused.json()["message"]
    with session_factory(engine)() as s:
        counter = s.get(FailureCounter, "A100200")
        assert counter is not None and counter.failed_count == 5
    assert client.post(LOGIN, json={"account": "A100200", "password": PASSWORD}).status_code == 423
    assert client.post(url, json={"reason": "客戶臨櫃驗證身分"}).status_code == 204
    assert client.post(LOGIN, json={"account": "A100200", "password": PASSWORD}).status_code == 200


def _streaming_app(settings: Settings, engine: Engine, clock: FixedClock) -> FastAPI:
    app = create_app(settings, engine=engine, clock=clock)

    def stream(request: Request, sink: AppAuditSink, clock: AppClock) -> StreamingResponse:
        sink.record(request_event(request, function="test.stream", account="t", when=clock.now()))

        def body() -> Iterator[bytes]:
            yield b"customer 9801-555001\n"
            yield b"customer 9801-555002\n"

        return StreamingResponse(body(), media_type="text/plain")

    app.add_api_route("/test/stream", stream, methods=["GET"])
    return app


def test_a_stream_does_not_start_before_the_commit(
    settings: Settings, engine: Engine, clock: FixedClock
) -> None:
    app = _streaming_app(settings, engine, clock)
    with TestClient(app, base_url="http://127.0.0.1") as test_client:
        with audit_appends_blocked(engine):
            refused = test_client.get("/test/stream")
        assert refused.status_code == 503
        assert "9801-555001" not in refused.text
        streamed = test_client.get("/test/stream")
        assert streamed.status_code == 200 and "9801-555002" in streamed.text


def _busy_sqlite(path: Path) -> Engine:
    """An app engine that gives up on SQLite's write lock after 0.2 s instead of 30 s."""
    engine = make_engine(f"sqlite:///{path}", connect_args={"timeout": 0.2})

    @event.listens_for(engine, "connect")
    def _short_wait(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA busy_timeout=200")

    return engine


def test_sqlite_write_lock_held_elsewhere_is_a_503(
    sqlite_engine: Engine, tmp_path: Path, clock: FixedClock
) -> None:
    """The report's set-up: another process holds SQLite's write lock during the read."""
    sid = _video_session(sqlite_engine, clock)
    database = sqlite_engine.url.database
    assert database is not None
    engine = _busy_sqlite(Path(database))
    settings = Settings(database_url=str(engine.url), data_dir=tmp_path / "var")
    app = create_app(settings, engine=engine, clock=clock)
    with TestClient(app, base_url="http://127.0.0.1") as test_client:
        sign_in(test_client, engine, clock, Role.auditor)
        other = sqlite3.connect(database, timeout=0.2)
        try:
            other.execute("BEGIN IMMEDIATE")
            answer = test_client.get(f"/api/v1/deepfake/sessions/{sid}")
            search = test_client.get("/api/v1/audit/events", params={"customer_id": CUSTOMER_REF})
        finally:
            other.rollback()
            other.close()
        assert answer.status_code == 503 and CUSTOMER_REF not in answer.text
        assert search.status_code == 503 and search.json()["error"]["code"] == "unavailable"
    with session_factory(engine)() as s:
        assert s.scalars(select(AuditEventRow)).first() is None
    engine.dispose()


@pytest.mark.parametrize("path", ["/api/v1/deepfake/sessions/nope"])
def test_errors_still_answer_with_their_own_status(
    client: TestClient, engine: Engine, clock: FixedClock, path: str
) -> None:
    """A handler's own error rolls the unit of work back and keeps its status."""
    sign_in(client, engine, clock, Role.auditor)
    assert client.get(path).status_code == 404
