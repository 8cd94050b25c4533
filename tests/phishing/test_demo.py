"""The demo firm's phishing data shows passes and failures."""

from __future__ import annotations

import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from brokerguard.assessment.registry import CheckContext, Status
from brokerguard.audit.schemas import MemoryAuditSink
from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.demodata import DemoContext
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
    assert checks.reminders_on_schedule(c).status is Status.passed
    assert ctx.notes
