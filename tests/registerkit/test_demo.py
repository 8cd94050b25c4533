"""The demo firm's house registers load through the services and give a mix of results."""

from __future__ import annotations

import random

from sqlalchemy.orm import Session

from brokerguard.assessment.registry import CheckContext, Status, load_all_checks
from brokerguard.attestations import demo as attestations_demo
from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.deepfake import demo as deepfake_demo
from brokerguard.demodata import DemoContext
from brokerguard.kernel.audit import MemoryAuditSink
from brokerguard.registerkit.spec import export_rows
from brokerguard.social import demo as social_demo
from brokerguard.social.registers import ACCOUNTS
from brokerguard.training import demo as training_demo
from brokerguard.training.service import course_statuses, overdue
from tests.house_helpers import demo_staff


def test_demo_loads_and_checks_show_passes_and_failures(
    session: Session, clock: FixedClock
) -> None:
    settings = Settings()
    ctx = DemoContext(
        session=session,
        settings=settings,
        clock=clock,
        rng=random.Random(7),
        audit=MemoryAuditSink(),
        staff=demo_staff(session, clock),
    )
    for module in (social_demo, training_demo, deepfake_demo, attestations_demo):
        module.load_demo(ctx)
    session.flush()
    names = {row["name"] for row in export_rows(session, ACCOUNTS)}
    assert {"示範證券 臉書粉絲專頁", "示範證券 LINE 官方帳號"} <= names
    day = clock.now().date()
    late = overdue(course_statuses(session, day), day)
    assert {s.employee_id for s in late} >= {"A10534", "A10533"}
    registry = load_all_checks()
    check_ctx = CheckContext(session=session, settings=settings, clock=clock)
    results = {
        definition.id: definition.run(check_ctx).status
        for definition in registry.all()
        if definition.id.split(".")[0] in ("social", "deepfake", "training", "attestations")
    }
    assert results["deepfake.video_sessions_strengthened"] is Status.passed
    assert results["social.platform_risk_rated"] is Status.passed
    assert results["social.account_admin_mfa"] is Status.failed
    assert results["social.account_privacy_review"] is Status.failed
    assert results["social.publishing_approved"] is Status.passed
    assert results["training.iot_audience_trained"] is Status.failed
    assert results["attestations.a3_2_current"] is Status.not_applicable
    assert results["attestations.a3_1_current"] is Status.passed
    assert results["attestations.a11_1_current"] is Status.failed  # past due
    assert results["attestations.a4_1_current"] is Status.failed  # no evidence-store document
    assert ctx.notes
