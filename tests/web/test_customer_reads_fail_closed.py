"""Pentest findings 1 and 5: every route that shows customer data audits the read (A9.9)
in the request's unit of work and fails closed.

Was: the deepfake sessions list, the pages ``/deepfake`` and ``/deepfake/{id}`` and
``GET /api/v1/detect/alerts`` showed customer accounts with no audit record at all, and
the detail read answered 200 while its record could not be written. Now, on both
databases, each route answers 503 without the customer's data while the audit trail
refuses appends, and 200 with a stored record naming the customer once it accepts them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from starlette.routing import BaseRoute

from brokerguard.audit import service as audit_service
from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.db.engine import session_factory
from brokerguard.deepfake import service as deepfake
from brokerguard.detect import service as detect
from brokerguard.detect.traces import attack_traces
from brokerguard.staff.roles import Role
from brokerguard.web.app import create_app
from tests.auth.test_api import make_customer
from tests.conftest import sign_in
from tests.faults import audit_appends_blocked
from tests.stored_audit import stored_events

VIDEO_CUSTOMER = "9801-555001"
LOGIN_CUSTOMER = "A100200"
ALERTED_CUSTOMER = "A100001"  # the account the brute-force trace attacks

#: every GET route that shows customer data: (path template, customer it shows)
CUSTOMER_READS: dict[str, str] = {
    "/api/v1/deepfake/sessions": VIDEO_CUSTOMER,
    "/api/v1/deepfake/sessions/export": VIDEO_CUSTOMER,
    "/api/v1/deepfake/sessions/{session_id}": VIDEO_CUSTOMER,
    "/api/v1/deepfake/sessions/{session_id}/analysis": VIDEO_CUSTOMER,
    "/deepfake": VIDEO_CUSTOMER,
    "/deepfake/export.{fmt}": VIDEO_CUSTOMER,
    "/deepfake/{session_id}": VIDEO_CUSTOMER,
    "/api/v1/detect/alerts": ALERTED_CUSTOMER,
    "/detect": ALERTED_CUSTOMER,
    "/api/v1/etrade/staff/customers/{account}": LOGIN_CUSTOMER,
    "/etrade/customers": LOGIN_CUSTOMER,
    "/etrade/customers/{account}": LOGIN_CUSTOMER,
    "/api/v1/audit/events": LOGIN_CUSTOMER,
    "/audit": LOGIN_CUSTOMER,
    "/audit/export.{fmt}": LOGIN_CUSTOMER,
}
#: routes that show a customer's data (the video analysis: face measures) under the session
#: ID, not the customer reference: the read is still audited naming the customer
SHOWN_BY_SESSION_ID = frozenset({"/api/v1/deepfake/sessions/{session_id}/analysis"})
#: the prefixes under which a GET route shows customers' data
CUSTOMER_DATA_PREFIXES = (
    "/api/v1/deepfake/sessions",
    "/deepfake",
    "/api/v1/detect/alerts",
    "/detect",
    "/api/v1/etrade/staff/customers",
    "/etrade/customers",
    "/api/v1/audit/events",
    "/audit",
)


def _seed(engine: Engine, clock: FixedClock, settings: Settings) -> dict[str, str]:
    make_customer(engine, clock, settings, LOGIN_CUSTOMER)
    with session_factory(engine)() as s:
        video = deepfake.start_session(
            s, clock, customer_ref=VIDEO_CUSTOMER, purpose="account_opening", operator="op-amy"
        )
        day = datetime(2026, 11, 25, tzinfo=UTC)
        audit_service.append(s, clock, attack_traces(day)["login.brute_force"])
        audit_service.record_internal(  # a record naming the customer, for the trail searches
            s,
            clock,
            account="teller-1",
            function="crm.view",
            query="view",
            customer_ids=(LOGIN_CUSTOMER,),
        )
        s.commit()
        detect.run_detection(s, clock)
        s.commit()
        return {"session_id": video.id, "account": LOGIN_CUSTOMER, "fmt": "csv"}


def _url(template: str, values: dict[str, str]) -> str:
    url = template.format(**values)
    if url in ("/api/v1/audit/events", "/audit") or url.startswith("/audit/export"):
        url += f"?customer_id={LOGIN_CUSTOMER}"
    return url


def _api_routes(routes: list[BaseRoute]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        included = getattr(route, "original_router", None)  # an included router's routes
        if included is not None:
            yield from _api_routes(included.routes)


def test_every_customer_data_route_is_walked(sqlite_engine: Engine, tmp_path: Path) -> None:
    """A new GET route under a customer-data prefix must join the walk below."""
    settings = Settings(database_url=str(sqlite_engine.url), data_dir=tmp_path / "var")
    app = create_app(settings, engine=sqlite_engine)
    routes = {
        route.path
        for route in _api_routes(app.routes)
        if "GET" in (route.methods or ()) and route.path.startswith(CUSTOMER_DATA_PREFIXES)
    }
    assert routes == set(CUSTOMER_READS)


@pytest.mark.parametrize("template", sorted(CUSTOMER_READS))
def test_customer_read_fails_closed_and_is_audited(
    client: TestClient,
    engine: Engine,
    clock: FixedClock,
    settings: Settings,
    template: str,
) -> None:
    values = _seed(engine, clock, settings)
    sign_in(client, engine, clock, Role.auditor)
    url = _url(template, values)
    customer = CUSTOMER_READS[template]
    before = len(stored_events(engine))
    with audit_appends_blocked(engine):
        refused = client.get(url, headers={"accept": "text/html"})
    assert refused.status_code == 503, (url, refused.status_code)
    # the page's own links (language switch) echo the URL the reader typed: not data shown
    assert customer not in re.sub(r'href="[^"]*"', "", refused.text)
    assert len(stored_events(engine)) == before

    shown = client.get(url)
    assert shown.status_code == 200, (url, shown.text[:300])
    if template not in SHOWN_BY_SESSION_ID:
        assert customer in shown.content.decode("utf-8", "replace")
    read = stored_events(engine)[-1]
    assert read.account == "auditor-user"
    assert customer in read.customer_ids


def test_customer_data_is_not_cached(
    client: TestClient, engine: Engine, clock: FixedClock, settings: Settings
) -> None:
    """Low finding: no ``Cache-Control: no-store`` on customer data."""
    values = _seed(engine, clock, settings)
    sign_in(client, engine, clock, Role.auditor)
    for template in ("/api/v1/deepfake/sessions/{session_id}", "/deepfake/{session_id}"):
        answer = client.get(_url(template, values))
        assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    assert "no-store" not in client.get("/static/app.css").headers.get("cache-control", "")
