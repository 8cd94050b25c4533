"""The nightly assessment job: stored as a run; a check that turns from pass to fail is told."""

from __future__ import annotations

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from brokerguard.assessment.jobs import JOBS
from brokerguard.assessment.models import AssessmentRun
from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from tests.worker.helpers import notices, run_job


def test_the_nightly_assessment_is_stored_and_nothing_turned_on_a_first_run(
    engine: Engine, settings: Settings, clock: FixedClock
) -> None:
    [job] = JOBS
    outcome = run_job(job, settings, clock)
    assert int(outcome.figures["checks"]) > 10
    assert outcome.figures["turned_to_fail"] == 0
    with Session(engine) as session:
        runs = session.scalar(select(func.count()).select_from(AssessmentRun))
        triggered = session.scalar(select(AssessmentRun.triggered_by))
    assert (runs, triggered) == (1, "worker")
    assert notices(engine, "check_failed") == []
