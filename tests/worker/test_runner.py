"""Claiming slots, retries, timeouts and job_failed (SQLite and PostgreSQL)."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from brokerguard.clock import Clock, FixedClock
from brokerguard.config import Settings
from brokerguard.errors import NotFoundError
from brokerguard.kernel.jobs import JobOutcome, JobSpec
from brokerguard.notify.models import NotifyNotice
from brokerguard.worker.child import AttemptResult, run_in_child
from tests.worker import sample_jobs
from tests.worker.helpers import a_runner, all_runs

WEEKLY = JobSpec(
    "tests.weekly", "0 9 * * 1", sample_jobs.count_runs, "每週", "Weekly", timeout_s=60
)


def test_a_fresh_database_runs_every_job_then_nothing_until_the_next_slot(
    engine: Engine, settings: Settings, clock: FixedClock
) -> None:
    runner = a_runner(engine, settings, clock, [sample_jobs.COUNT, WEEKLY])
    first = runner.run_due()
    assert sorted(r.job for r in first) == ["tests.count", "tests.weekly"]
    assert {r.status for r in first} == {"ok"}
    assert runner.run_due() == []  # same minute: every slot is taken
    clock.advance(timedelta(minutes=1))
    again = runner.run_due()
    assert [r.job for r in again] == ["tests.count"]  # the weekly slot has not come
    assert again[0].summary == "3 runs recorded"  # its own run is one of them


def test_two_workers_never_run_one_slot_twice(
    engine: Engine, settings: Settings, clock: FixedClock
) -> None:
    ran: list[str] = []
    lock = threading.Lock()

    def counted(spec: JobSpec, s: Settings, c: Clock) -> AttemptResult:
        with lock:
            ran.append(spec.name)
        return AttemptResult(JobOutcome("done"))

    runners = [
        a_runner(engine, settings, clock, [sample_jobs.COUNT, WEEKLY], attempt=counted, owner=o)
        for o in ("worker-a", "worker-b", "worker-c")
    ]
    threads = [threading.Thread(target=r.run_due) for r in runners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(ran) == ["tests.count", "tests.weekly"]
    assert len(all_runs(engine)) == 2


def test_a_failed_attempt_is_retried_and_recorded_once(
    engine: Engine, settings: Settings, clock: FixedClock
) -> None:
    answers = [AttemptResult(None, "TimeoutError: receiver slow"), AttemptResult(JobOutcome("ok"))]
    runner = a_runner(
        engine, settings, clock, [sample_jobs.CRASH], attempt=lambda *_: answers.pop(0)
    )
    [report] = runner.run_due()
    assert (report.status, report.attempts, report.error) == ("ok", 2, "")
    [run] = all_runs(engine)
    assert (run.status, run.attempts, run.lease_until) == ("ok", 2, None)


@pytest.mark.slow  # waits out a job's timeout
def test_a_hung_job_is_stopped_at_its_timeout_and_its_writes_rolled_back(
    engine: Engine, settings: Settings, clock: FixedClock
) -> None:
    runner = a_runner(engine, settings, clock, [sample_jobs.HANG], attempt=run_in_child)
    [report] = runner.run_due()
    assert report.status == "failed"
    assert "timed out after 2 s" in report.error
    assert [r.job for r in all_runs(engine)] == ["tests.hang"]  # the hung job's row is gone


def test_a_crash_in_a_child_process_is_recorded_with_its_error(
    engine: Engine, settings: Settings, clock: FixedClock
) -> None:
    runner = a_runner(engine, settings, clock, [sample_jobs.CRASH], attempt=run_in_child)
    [report] = runner.run_due()
    assert (report.status, report.attempts) == ("failed", 2)
    assert report.error == "RuntimeError: receiver said no"


def test_n_failures_in_a_row_queue_one_job_failed_notice(
    engine: Engine, settings: Settings, clock: FixedClock
) -> None:
    failing = True

    def attempt(spec: JobSpec, s: Settings, c: Clock) -> AttemptResult:
        return (
            AttemptResult(None, "OSError: feed down")
            if failing
            else AttemptResult(JobOutcome("fine"))
        )

    runner = a_runner(
        engine, settings, clock, [sample_jobs.COUNT], attempt=attempt, failures_before_alert=3
    )

    def notices() -> list[NotifyNotice]:
        with Session(engine) as session:
            return list(session.scalars(select(NotifyNotice).order_by(NotifyNotice.queued_at)))

    for minute in range(5):
        assert [r.status for r in runner.run_due()] == ["failed"]
        clock.advance(timedelta(minutes=1))
        assert len(notices()) == (0 if minute < 2 else 1)  # the 3rd failure; once a streak
    [notice] = notices()
    assert notice.kind == "job_failed"
    assert notice.severity == "high"
    assert "tests.count failed 3 times in a row" in notice.summary
    assert "OSError: feed down" in notice.summary
    failing = False
    assert [r.status for r in runner.run_due()] == ["ok"]
    failing = True
    for _ in range(3):
        clock.advance(timedelta(minutes=1))
        runner.run_due()
    assert len(notices()) == 2  # a new streak, a new notice


def test_a_run_whose_worker_died_is_taken_over_after_its_lease(
    engine: Engine, settings: Settings, clock: FixedClock
) -> None:
    dead = a_runner(engine, settings, clock, [sample_jobs.COUNT], owner="dead")
    [run_id] = dead.claim_due()  # claimed, then the worker was killed
    alive = a_runner(engine, settings, clock, [sample_jobs.COUNT], owner="alive")
    assert alive.run_due() == []  # still leased to the dead worker
    clock.advance(dead.lease(sample_jobs.COUNT) + timedelta(seconds=1))
    reports = alive.run_due()
    assert run_id in [r.run_id for r in reports]
    taken = next(r for r in all_runs(engine) if r.id == run_id)
    assert (taken.status, taken.worker) == ("ok", "alive")


def test_run_now_ignores_the_schedule_and_names_unknown_jobs(
    engine: Engine, settings: Settings, clock: FixedClock
) -> None:
    runner = a_runner(engine, settings, clock, [WEEKLY])
    runner.run_due()
    report = runner.run_now("tests.weekly", "cli:alice")
    assert report.status == "ok"
    manual = [r for r in all_runs(engine) if r.trigger == "manual"]
    assert [(r.requested_by, r.slot.startswith("manual:")) for r in manual] == [("cli:alice", True)]
    with pytest.raises(NotFoundError, match=r"unknown job 'tests\.nope'"):
        runner.run_now("tests.nope", "cli:alice")


def test_a_run_queued_from_the_web_is_taken_by_the_next_worker_pass(
    engine: Engine, settings: Settings, clock: FixedClock
) -> None:
    runner = a_runner(engine, settings, clock, [WEEKLY])
    runner.run_due()
    with Session(engine) as session:
        runner.request_run(session, runner.job("tests.weekly"), "web:sec", timedelta(0))
        session.commit()
    clock.advance(timedelta(seconds=1))
    [report] = runner.run_due()
    assert report.slot.startswith("manual:")
    assert report.status == "ok"


def _console(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """What the worker's console shows (it logs at INFO)."""
    return [r for r in caplog.records if r.levelno >= logging.INFO]


def test_a_job_failing_with_no_network_logs_one_clear_line(
    engine: Engine, settings: Settings, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    """Before: a traceback and a warning for each of the three attempts."""
    caplog.set_level(logging.DEBUG, logger="brokerguard")
    runner = a_runner(engine, settings, clock, [sample_jobs.OFFLINE])
    [report] = runner.run_due()
    assert (report.status, report.attempts) == ("failed", 3)
    assert report.error == "StoreUnavailableError: App Store search: ConnectError"
    [line] = _console(caplog)
    assert line.levelno == logging.WARNING and line.exc_info is None
    assert line.getMessage() == (
        "job tests.offline failed after 3 attempt(s): "
        "StoreUnavailableError: App Store search: ConnectError"
    )
    [run] = all_runs(engine)
    assert (run.status, run.error) == ("failed", report.error)  # still recorded as failed


def test_a_fault_in_a_job_keeps_its_traceback(
    engine: Engine, settings: Settings, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="brokerguard")
    runner = a_runner(engine, settings, clock, [sample_jobs.CRASH])
    [report] = runner.run_due()
    assert (report.status, report.error) == ("failed", "RuntimeError: receiver said no")
    tracebacks = [r for r in _console(caplog) if "Traceback" in r.getMessage()]
    assert len(tracebacks) == 2  # one per attempt: a fault is worth reading in full
