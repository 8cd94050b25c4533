"""``job_runs`` retention: ``worker.prune_runs`` deletes finished runs older than
``worker.keep_runs_days``, keeps each job's latest run and every unfinished one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine

from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.db.engine import session_factory, session_scope
from brokerguard.kernel.jobs import JobSpec
from brokerguard.worker import runs
from brokerguard.worker.jobs import JOBS
from brokerguard.worker.settings import WorkerSettings
from tests.conftest import T0
from tests.worker import sample_jobs
from tests.worker.helpers import a_runner, all_runs, run_job

WEEKLY = JobSpec(
    "tests.weekly", "0 9 * * 1", sample_jobs.count_runs, "每週", "Weekly", timeout_s=60
)


def test_old_runs_are_pruned_and_each_jobs_latest_run_stays(
    engine: Engine, settings: Settings, clock: FixedClock
) -> None:
    runner = a_runner(engine, settings, clock, [sample_jobs.COUNT, WEEKLY])
    runner.run_due()  # both jobs, at T0
    for _ in range(3):  # three more minutes of the every-minute job
        clock.advance(timedelta(minutes=1))
        runner.run_due()
    with session_scope(session_factory(engine)) as session:  # a claim nobody ran yet
        runs.claim(
            session,
            "tests.count",
            "stuck",
            trigger="manual",
            now=clock.now(),
            lease_until=clock.now() + timedelta(minutes=5),
        )
    assert len(all_runs(engine)) == 6

    [prune] = JOBS
    kept = settings.model_copy(update={"worker": WorkerSettings(keep_runs_days=30)})
    clock.advance(timedelta(days=29))
    assert run_job(prune, kept, clock).skipped  # nothing old enough yet
    clock.advance(timedelta(days=2))
    outcome = run_job(prune, kept, clock)
    assert outcome.figures == {"pruned": 3}  # the count job's three older runs
    left = all_runs(engine)
    assert sorted((r.job, r.status) for r in left) == [
        ("tests.count", "ok"),
        ("tests.count", "queued"),
        ("tests.weekly", "ok"),
    ]
    last = next(r for r in left if r.job == "tests.count" and r.status == "ok")
    assert last.slot == runs.slot_key(T0 + timedelta(minutes=3))  # the latest one stayed
    assert run_job(prune, kept, clock).skipped  # again: nothing more


@pytest.mark.parametrize("days", [0, 6, 3651, -1])
def test_a_retention_out_of_bounds_is_refused_naming_the_setting(days: int) -> None:
    with pytest.raises(ValidationError, match="keep_runs_days"):
        WorkerSettings(keep_runs_days=days)
