"""The storage fixtures keep tests apart: PostgreSQL is emptied between tests (only the
tables holding rows, append-only guards and foreign keys included, sequences restarted);
SQLite is a fresh copy of the migrated template."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from brokerguard.assessment.models import AssessmentCheckResult, AssessmentRun
from brokerguard.clock import FixedClock
from brokerguard.db import migrate
from brokerguard.staff.roles import Role
from tests.audit.helpers import fill, settings_for
from tests.conftest import T0, app_tables, make_staff, truncate_all

pytestmark = pytest.mark.postgres


def _rows_per_table(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            name: int(conn.execute(text(f"SELECT count(*) FROM {name}")).scalar_one())
            for name in app_tables(conn)
        }


def _check_result(run_id: str) -> AssessmentCheckResult:
    return AssessmentCheckResult(
        run_id=run_id,
        check_id="fixture.check",
        requirement_ids="A5.1",
        title_zh="測試",
        title_en="test",
        status="passed",
        reason_zh="",
        reason_en="",
        evidence="[]",
        started_at=T0,
        duration_ms=1,
    )


def _add_run_with_results(engine: Engine, results: int) -> list[int]:
    with Session(engine) as session:
        run = AssessmentRun(
            started_at=T0,
            finished_at=T0,
            scope="all",
            triggered_by="fixture-test",
            passed=results,
            failed=0,
            manual=0,
            errors=0,
            not_applicable=0,
        )
        session.add(run)
        session.flush()
        rows = [_check_result(run.id) for _ in range(results)]
        session.add_all(rows)
        session.commit()
        return [row.id for row in rows]


def test_truncate_all_empties_what_tests_wrote_and_restarts_sequences(
    postgres_engine: Engine, clock: FixedClock, tmp_path: Path
) -> None:
    truncate_all(postgres_engine)
    assert set(_rows_per_table(postgres_engine).values()) == {0}
    make_staff(postgres_engine, clock, "fixture-admin", Role.admin)
    # the audit trail: append-only guards, monthly partitions, a signed tree head
    fill(postgres_engine, clock, settings_for(postgres_engine, tmp_path / "var"), [3])
    assert _add_run_with_results(postgres_engine, 3) == [1, 2, 3]
    with postgres_engine.begin() as conn:  # a used sequence with its table emptied again
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text("DELETE FROM assessment_check_results"))
    assert _add_run_with_results(postgres_engine, 1) == [4]
    written = {name for name, count in _rows_per_table(postgres_engine).items() if count}
    assert {"staff_users", "audit_events", "audit_tree_heads", "assessment_runs"} <= written

    truncate_all(postgres_engine)

    assert set(_rows_per_table(postgres_engine).values()) == {0}
    assert migrate.is_up_to_date(postgres_engine)  # alembic_version kept
    assert _add_run_with_results(postgres_engine, 2) == [1, 2]
    truncate_all(postgres_engine)  # and nothing left behind for the next test


def test_each_test_gets_an_empty_migrated_database(engine: Engine) -> None:
    assert migrate.is_up_to_date(engine)
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(AssessmentRun)) == 0
    assert _add_run_with_results(engine, 2) == [1, 2]
