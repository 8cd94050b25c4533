"""``brokerguard rulebook export --format oscal-assessment-results`` against a real database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from brokerguard.assessment.engine import run_assessment
from brokerguard.cli import runtime
from brokerguard.cli.main import app
from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.db.engine import session_factory
from tests.rulebook.oscal_shape import assessment_results_problems

runner = CliRunner()


@pytest.fixture
def cli_database(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setattr(runtime, "engine", lambda: engine)  # the command's context uses it
    return engine


def test_no_run_yet_exits_2(cli_database: Engine, tmp_path: Path) -> None:
    target = tmp_path / "ar.json"
    result = runner.invoke(
        app, ["rulebook", "export", "-f", "oscal-assessment-results", "-o", str(target)]
    )
    assert result.exit_code == 2
    assert "no assessment run yet" in result.stderr.replace("\n", "")
    assert not target.exists()


def test_latest_and_named_run(
    cli_database: Engine, settings: Settings, clock: FixedClock, tmp_path: Path
) -> None:
    with session_factory(cli_database)() as session:
        snapshot = run_assessment(session, settings, clock, scope="A9", triggered_by="test")
        session.commit()
    target = tmp_path / "ar.json"
    result = runner.invoke(
        app, ["rulebook", "export", "-f", "oscal-assessment-results", "-o", str(target)]
    )
    assert result.exit_code == 0, result.stderr
    assert f"run {snapshot.run_id}" in result.stdout.replace("\n", " ")
    document = json.loads(target.read_text(encoding="utf-8"))
    assert assessment_results_problems(document) == []
    findings = document["assessment-results"]["results"][0]["findings"]
    assert {f["target"]["target-id"] for f in findings} == {
        f"{rid}_smt" for rid in snapshot.requirements
    }
    named = runner.invoke(
        app,
        [
            "rulebook",
            "export",
            "-f",
            "oscal-assessment-results",
            "--run",
            snapshot.run_id,
            "-o",
            "-",
        ],
    )
    assert named.exit_code == 0
    assert json.loads(named.stdout)["assessment-results"]["results"][0]["props"][0] == {
        "name": "run-id",
        "value": snapshot.run_id,
        "ns": "https://brokerguard.dev/ns/oscal",
    }


@pytest.mark.parametrize("run_id", ["no-such-run", "'; DROP TABLE x; --", "r" * 500])
def test_unknown_run_exits_2(cli_database: Engine, run_id: str) -> None:
    result = runner.invoke(
        app, ["rulebook", "export", "-f", "oscal-assessment-results", "--run", run_id, "-o", "-"]
    )
    assert result.exit_code == 2
    assert "no assessment run" in result.stderr.replace("\n", "")


def test_blank_run_exits_2(cli_database: Engine) -> None:
    result = runner.invoke(
        app, ["rulebook", "export", "-f", "oscal-assessment-results", "--run", " ", "-o", "-"]
    )
    assert result.exit_code == 2 and "--run needs a run ID" in result.stderr
