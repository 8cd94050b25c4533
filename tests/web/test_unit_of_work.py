"""The request's unit of work when a handler runs its work and the commit in one trip
to the thread pool (:func:`brokerguard.web.deps.run_unit_of_work`): a failed commit is
a 503 and nothing is kept; work that fails is rolled back; a session with nothing
left to end is closed without another trip."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, text

from brokerguard.audit.web import request_event
from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.db.engine import session_factory
from brokerguard.errors import ValidationError
from brokerguard.web.app import create_app
from brokerguard.web.deps import AppAuditSink, AppClock, DbSession, has_work, run_unit_of_work
from tests.faults import audit_appends_blocked
from tests.stored_audit import stored_events


def _app(settings: Settings, engine: Engine, clock: FixedClock) -> FastAPI:
    app = create_app(settings, engine=engine, clock=clock)

    async def record(
        request: Request,
        session: DbSession,
        sink: AppAuditSink,
        clock: AppClock,
        fail: bool = False,
    ) -> dict[str, str]:
        def work() -> str:
            sink.record(request_event(request, function="test.uow", account="t", when=clock.now()))
            session.execute(select(1))
            if fail:
                raise ValidationError("refused after the write", field="fail")
            return "kept"

        return {"result": await run_unit_of_work(session, work)}

    app.add_api_route("/api/v1/test/uow", record, methods=["POST"])
    return app


@pytest.fixture
def uow_client(settings: Settings, engine: Engine, clock: FixedClock) -> Iterator[TestClient]:
    with TestClient(_app(settings, engine, clock), base_url="http://127.0.0.1") as test_client:
        yield test_client


def _uow_events(engine: Engine) -> list[str]:
    return [e.function for e in stored_events(engine) if e.function == "test.uow"]


def test_work_and_commit_in_one_trip_keep_the_record(
    uow_client: TestClient, engine: Engine
) -> None:
    answer = uow_client.post("/api/v1/test/uow")
    assert answer.status_code == 200 and answer.json() == {"result": "kept"}
    assert _uow_events(engine) == ["test.uow"]


def test_a_failed_commit_is_a_503_and_keeps_nothing(uow_client: TestClient, engine: Engine) -> None:
    with audit_appends_blocked(engine):
        refused = uow_client.post("/api/v1/test/uow")
    assert refused.status_code == 503
    assert refused.json()["error"]["code"] == "unavailable"
    assert _uow_events(engine) == []


def test_work_that_fails_is_rolled_back(uow_client: TestClient, engine: Engine) -> None:
    refused = uow_client.post("/api/v1/test/uow", params={"fail": "true"})
    assert refused.status_code == 422
    assert refused.json()["error"]["field"] == "fail"
    assert _uow_events(engine) == []


def test_has_work_tells_an_open_transaction_from_an_ended_one(engine: Engine) -> None:
    with session_factory(engine)() as session:
        assert not has_work(session)
        session.execute(text("SELECT 1"))
        assert has_work(session)  # a read holds a transaction until it ends
        session.commit()
        assert not has_work(session)
