"""The evidence-expiring job: told 30, 7 and 1 days ahead, once per threshold."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Engine

from brokerguard.clock import FixedClock, today
from brokerguard.config import Settings
from brokerguard.db.engine import session_factory, session_scope
from brokerguard.evidence.jobs import JOBS
from brokerguard.evidence.service import store_evidence
from tests.worker.helpers import notices, run_job


def _store(
    engine: Engine, clock: FixedClock, settings: Settings, content: bytes, until: date
) -> None:
    with session_scope(session_factory(engine)) as session:
        store_evidence(
            session,
            clock,
            settings,
            content=b"%PDF-1.7\n% " + content + b"\n",
            filename="lab-report.pdf",
            title="APP 檢測報告",
            requirement_ids=["A9.7"],
            kind="lab_report",
            uploaded_by="tester",
            valid_from=today(clock) - timedelta(days=300),
            valid_until=until,
        )


def test_expiring_evidence_is_told_at_30_7_and_1_days_once_each(
    engine: Engine, settings: Settings, clock: FixedClock
) -> None:
    [job] = JOBS
    _store(engine, clock, settings, b"far", today(clock) + timedelta(days=90))
    assert run_job(job, settings, clock).skipped
    _store(engine, clock, settings, b"soon", today(clock) + timedelta(days=20))
    run_job(job, settings, clock)
    run_job(job, settings, clock)
    assert [(n.severity, n.title_en) for n in notices(engine, "evidence_expiring")] == [
        ("low", "Evidence expires in 20 day(s): APP 檢測報告")
    ]
    clock.advance(timedelta(days=14))  # 6 days left
    run_job(job, settings, clock)
    clock.advance(timedelta(days=5))  # 1 day left
    run_job(job, settings, clock)
    run_job(job, settings, clock)
    assert [n.severity for n in notices(engine, "evidence_expiring")] == ["low", "medium", "high"]
    clock.advance(timedelta(days=2))  # expired: a failed control, no longer "expiring"
    assert run_job(job, settings, clock).skipped
