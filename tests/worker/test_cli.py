"""``brokerguard worker --once`` and ``brokerguard jobs`` (the interface contract)."""

from __future__ import annotations

import json

import pytest

from brokerguard.config import get_settings
from brokerguard.worker import assembly
from tests.cli_helpers import Cli, cli  # noqa: F401
from tests.worker import sample_jobs


def _lines(output: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


@pytest.mark.slow  # every job, twice
def test_worker_once_runs_every_job_on_a_fresh_database_then_none(cli: Cli) -> None:  # noqa: F811
    code, output = cli("worker", "--once", "--json")
    assert code == 0, output
    runs = _lines(output)
    jobs = {r["job"] for r in runs}
    assert {"audit.seal", "audit.verify"} <= jobs
    for run in runs:
        assert set(run) >= {"job", "status", "started", "finished", "summary"}
        assert run["status"] in ("ok", "skipped")
    code, output = cli("worker", "--once", "--json")
    assert code == 0
    assert "audit.verify" not in {r["job"] for r in _lines(output)}  # its slot is taken

    code, output = cli("jobs", "list", "--json")
    assert code == 0
    listed = {r["job"]: r for r in _lines(output)}
    assert set(listed) == jobs
    verify = listed["audit.verify"]
    assert verify["schedule"] == "17 * * * *"
    assert verify["last_status"] == "ok"
    assert verify["last_run"] and verify["next_run"]


def test_jobs_run_runs_one_job_now(cli: Cli) -> None:  # noqa: F811
    code, output = cli("jobs", "run", "audit.verify", "--json")
    assert code == 0, output
    [run] = _lines(output)
    assert (run["job"], run["status"]) == ("audit.verify", "ok")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("jobs", "run", "no.such"), "unknown job 'no.such'"),
    ],
)
def test_bad_arguments_exit_2_naming_what_is_wrong(
    cli: Cli,  # noqa: F811
    args: tuple[str, ...],
    words: str,
) -> None:
    code, output = cli(*args)
    assert code == 2
    assert words in output


def test_an_invalid_schedule_setting_exits_2_naming_the_job(
    cli: Cli,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BROKERGUARD_WORKER_SCHEDULES", '{"audit.seal": "61 * * * *"}')
    code, output = cli("worker", "--once")
    assert code == 2
    assert "worker.schedules.audit.seal" in output
    assert "minute" in output
    monkeypatch.setenv("BROKERGUARD_WORKER_SCHEDULES", '{"audit.nope": "* * * * *"}')
    get_settings.cache_clear()
    code, output = cli("jobs", "list")
    assert code == 2
    assert "unknown job(s) audit.nope" in output


def test_worker_once_exits_1_when_a_job_failed_and_reports_each_run(
    cli: Cli,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(assembly, "declared_jobs", lambda: [sample_jobs.CRASH, sample_jobs.COUNT])
    monkeypatch.setenv("BROKERGUARD_WORKER__RETRY_DELAY_S", "0")
    get_settings.cache_clear()
    code, output = cli("worker", "--once", "--json")
    assert code == 1, output
    runs = {str(r["job"]): r for r in _lines(output)}
    assert runs["tests.crash"]["status"] == "failed"
    assert "receiver said no" in str(runs["tests.crash"]["error"])
    assert runs["tests.crash"]["attempts"] == 2  # retried once
    assert runs["tests.count"]["status"] == "ok"  # the other job still ran
