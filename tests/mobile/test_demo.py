from __future__ import annotations

import random

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from brokerguard.assessment.registry import CheckContext, Status
from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.demodata import DemoContext
from brokerguard.findings.service import list_open
from brokerguard.kernel.audit import MemoryAuditSink
from brokerguard.mobile import checks, demo
from brokerguard.mobile.models import MobileApp, MobileRelease
from brokerguard.staff.roles import Role
from brokerguard.staff.service import create_staff_user, list_staff


def test_demo_firm_shows_passes_and_failures(
    session: Session, settings: Settings, clock: FixedClock
) -> None:
    for name, role in (("sec-chen", Role.security), ("comp-lin", Role.compliance)):
        create_staff_user(
            session, clock, username=name, password="Correct-horse-42-battery", roles={role}
        )
    staff = {next(iter(s.roles)).value: s for s in list_staff(session)}
    ctx = DemoContext(session, settings, clock, random.Random(7), MemoryAuditSink(), staff)
    demo.load_demo(ctx)
    assert session.scalar(select(func.count()).select_from(MobileApp)) == 3
    assert session.scalar(select(func.count()).select_from(MobileRelease)) == 5
    c = CheckContext(session=session, settings=settings, clock=clock)
    assert checks.major_update_retest(c).status is Status.passed
    # before: iOS 5.1.0 was listed (已上架) with neither approval; the gate refuses such a
    # release, so the demo keeps it a candidate and nothing unapproved is listed
    ios_510 = session.scalar(
        select(MobileRelease).where(
            MobileRelease.version_name == "5.1.0", MobileRelease.artifact_name.like("%ipa")
        )
    )
    assert ios_510 is not None and ios_510.status == "candidate" and ios_510.released_on is None
    assert checks.release_approvals(c).status is Status.passed
    assert checks.lab_test_yearly(c).status is Status.failed  # iOS lab test overdue
    assert len(list_open(session, "A6.3.3.3")) == 1
