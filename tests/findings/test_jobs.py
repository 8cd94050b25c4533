"""The findings-overdue job: one notice per overdue finding and due date."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine

from brokerguard.clock import FixedClock, to_taipei
from brokerguard.config import Settings
from brokerguard.db.engine import session_factory, session_scope
from brokerguard.findings import service
from brokerguard.findings.jobs import JOBS
from tests.worker.helpers import notices, run_job


def test_an_overdue_finding_is_told_once_per_due_date(
    engine: Engine, settings: Settings, clock: FixedClock
) -> None:
    [job] = JOBS
    today = to_taipei(clock.now()).date()
    with session_scope(session_factory(engine)) as session:
        late = service.open_finding(
            session,
            clock,
            requirement_id="A9.7",
            title="年度 APP 檢測未完成",
            source="manual",
            source_ref="test-1",
            owner="app-team",
            due_date=today - timedelta(days=3),
            severity="high",
        )
        service.open_finding(
            session,
            clock,
            requirement_id="A9.7",
            title="not yet due",
            source="manual",
            source_ref="test-2",
            due_date=today + timedelta(days=3),
        )
    assert run_job(job, settings, clock).figures == {"overdue": 1}
    run_job(job, settings, clock)
    [notice] = notices(engine, "finding_overdue")
    assert (notice.severity, notice.url) == ("high", f"/findings/{late.id}")
    assert notice.title_en == "Finding overdue by 3 day(s): 年度 APP 檢測未完成"
    with session_scope(session_factory(engine)) as session:
        service.update_plan(session, late.id, plan="retest", due_date=today - timedelta(days=1))
    run_job(job, settings, clock)
    assert len(notices(engine, "finding_overdue")) == 2  # a new due date, told again
