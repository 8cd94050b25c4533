"""The demo firm's phishing data shows passes and failures."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from brokerguard.assessment.registry import CheckContext, Status
from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.demodata import DemoContext
from brokerguard.errors import UnknownRequirementError
from brokerguard.kernel.audit import MemoryAuditSink
from brokerguard.phishing import checks, demo
from brokerguard.phishing.models import PhishingCase


def test_demo(session: Session, settings: Settings, clock: FixedClock) -> None:
    ctx = DemoContext(session, settings, clock, random.Random(7), MemoryAuditSink())
    demo.load_demo(ctx)
    session.flush()
    status = {c.target: c.status for c in session.scalars(select(PhishingCase))}
    assert status == {
        "demosec-login.top": "closed",
        "demo-sec.com.tw.verify-account.xyz": "takedown_requested",
        "demosec-app.com": "triaged",
        "shifan-zhengquan.vip": "new",
        "demotrade-club.com": "closed",
        "com.demosec.vip": "takedown_requested",
    }
    c = CheckContext(session=session, settings=settings, clock=clock)
    assert checks.site_scans_recent(c).status is Status.passed
    assert checks.app_scans_recent(c).status is Status.failed
    assert checks.site_takedowns(c).status is Status.failed
    assert checks.app_takedowns(c).status is Status.passed
    # the demo firm has no SMTP server: its banner and in-app notices are not deliveries
    assert checks.reminders_on_schedule(c).status is Status.failed
    assert ctx.notes


def test_demo_without_article_8_in_the_rulebook(
    session: Session, settings: Settings, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unknown(*ids: str) -> None:
        raise UnknownRequirementError(ids[0])

    monkeypatch.setattr("brokerguard.phishing.demo.require_known", unknown)
    ctx = DemoContext(session, settings, clock, random.Random(7), MemoryAuditSink())
    demo.load_demo(ctx)
    statuses = set(session.scalars(select(PhishingCase.status)))
    assert statuses == {"new"}
    assert any("not in the rulebook" in n for n in ctx.notes)
