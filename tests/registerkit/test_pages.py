"""Every house page renders with the demo firm's data, for a writer and for the auditor."""

from __future__ import annotations

import random

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from brokerguard.attestations import demo as attestations_demo
from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.db.engine import session_factory
from brokerguard.deepfake import demo as deepfake_demo
from brokerguard.demodata import DemoContext
from brokerguard.kernel.audit import MemoryAuditSink
from brokerguard.social import demo as social_demo
from brokerguard.staff.roles import Role
from brokerguard.training import demo as training_demo
from tests.conftest import sign_in
from tests.house_helpers import demo_staff

PAGES = [
    "/social",
    "/social/platforms",
    "/social/accounts",
    "/social/admins",
    "/social/monitoring",
    "/training",
    "/training/people",
    "/training/courses",
    "/training/attendance",
    "/deepfake",
    "/attestations",
    "/attestations/rulebooks",
]


def load_demo(engine: Engine, clock: FixedClock) -> None:
    with session_factory(engine)() as session:
        ctx = DemoContext(
            session=session,
            settings=Settings(),
            clock=clock,
            rng=random.Random(5),
            audit=MemoryAuditSink(),
            staff=demo_staff(session, clock),
        )
        for module in (social_demo, deepfake_demo, training_demo, attestations_demo):
            module.load_demo(ctx)
        session.commit()


@pytest.mark.parametrize("role", [Role.security, Role.auditor])
def test_pages_render_for_each_role(
    client: TestClient, engine: Engine, clock: FixedClock, role: Role
) -> None:
    load_demo(engine, clock)
    sign_in(client, engine, clock, role)
    sessions = client.get("/api/v1/deepfake/sessions").json()["items"]
    pages = [*PAGES, *(f"/deepfake/{s['id']}" for s in sessions[:3])]
    for path in pages:
        for lang in ("zh-TW", "en"):
            response = client.get(f"{path}?lang={lang}")
            assert response.status_code == 200, (path, lang)
            if path == "/attestations/rulebooks":  # the auditor reads what was loaded
                loads = 'action="/attestations/rulebooks"' in response.text
                assert loads is (role is not Role.auditor)
            writable_form = 'action="' + path + '/import"' in response.text
            if (
                path.count("/") == 2
                and "/deepfake/" not in path
                and path != "/attestations/rulebooks"
            ):
                assert writable_form is (role is not Role.auditor), path
    assert "示範證券 臉書粉絲專頁" in client.get("/social/accounts").text
    assert "吳俊傑" in client.get("/training").text  # never took the IoT course
