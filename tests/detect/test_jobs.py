"""The login-detection job (A9.3): a brute force in the trail becomes one login_alert."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine

from brokerguard.audit import service as audit_service
from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.db.engine import session_factory, session_scope
from brokerguard.detect.jobs import JOBS
from brokerguard.detect.traces import attack_traces
from tests.worker.helpers import notices, run_job

DAY = datetime(2026, 11, 25, tzinfo=UTC)


def test_a_brute_force_queues_one_login_alert_however_often_the_job_runs(
    engine: Engine, settings: Settings
) -> None:
    clock = FixedClock(datetime(2026, 11, 26, 3, 0, tzinfo=UTC))
    [job] = JOBS
    assert run_job(job, settings, clock).skipped  # nothing recorded yet
    with session_scope(session_factory(engine)) as session:
        result = audit_service.append(session, clock, attack_traces(DAY)["login.brute_force"])
        assert result.accepted == 12
    first = run_job(job, settings, clock)
    assert first.figures == {"events": 12, "alerts": 1}
    run_job(job, settings, clock)  # again: nothing new, nothing doubled
    [notice] = notices(engine, "login_alert")
    assert notice.severity == "high"
    assert "12 event(s) for A100001" in notice.summary
    assert "login.brute_force" in notice.summary
    assert notice.requirement_ids == "A9.3"
    assert notice.url == "/detect"
