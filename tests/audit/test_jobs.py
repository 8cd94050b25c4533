"""Audit jobs: sealing every minute; a verify that finds tampering is critical."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from brokerguard.audit import service
from brokerguard.audit.jobs import JOBS
from brokerguard.clock import FixedClock
from brokerguard.db.engine import session_factory, session_scope
from brokerguard.worker.child import run_job_here
from tests.audit.helpers import fill, make_event, settings_for, tamper
from tests.worker.helpers import notices, run_job

SEAL, VERIFY = JOBS


def test_sealing_twice_seals_once(engine: Engine, clock: FixedClock, tmp_path: Path) -> None:
    settings = settings_for(engine, tmp_path / "var")
    assert run_job(SEAL, settings, clock).skipped
    with session_scope(session_factory(engine)) as session:
        service.append(session, clock, [make_event(i, clock.now()) for i in range(4)])
    assert run_job(SEAL, settings, clock).figures == {"heads": 1, "tree_size": 4}
    assert run_job(SEAL, settings, clock).skipped


def test_a_changed_record_fails_the_run_and_queues_one_critical_audit_tamper(
    engine: Engine, clock: FixedClock, tmp_path: Path
) -> None:
    settings = settings_for(engine, tmp_path / "var")
    fill(engine, clock, settings, [10, 5])
    assert run_job(VERIFY, settings, clock).figures == {"events": 15, "heads": 2}
    assert notices(engine, "audit_tamper") == []
    tamper(engine, "UPDATE audit_events SET account = 'mallory' WHERE seq = 7")
    for _ in range(2):
        failed = run_job_here(VERIFY, settings, clock)
        assert failed.outcome is None
        assert failed.error.startswith("AuditTamperError: audit trail verification failed")
    [notice] = notices(engine, "audit_tamper")
    assert notice.severity == "critical"
    assert notice.dedupe_key == "audit_tamper:7:changed"
