"""Every kind of tampering with real stored rows is named by its first bad sequence number."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from brokerguard.audit.ingest import SMALL_BATCH_ROWS
from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from tests.audit.helpers import fill, settings_for, tamper, verify


@pytest.fixture
def log(engine: Engine, clock: FixedClock, tmp_path: Path) -> Settings:
    settings = settings_for(engine, tmp_path / "var")
    fill(engine, clock, settings, [10, 10, 5])
    return settings


def test_untouched_log_verifies(engine: Engine, log: Settings) -> None:
    report = verify(engine, log)
    assert report.ok, report.message
    assert report.events_checked == 25
    assert report.heads_checked == 3
    assert report.first_bad_seq is None


def test_rows_written_by_statement_and_by_copy_verify(
    engine: Engine, clock: FixedClock, tmp_path: Path
) -> None:
    settings = settings_for(engine, tmp_path / "var")
    sizes = [SMALL_BATCH_ROWS, SMALL_BATCH_ROWS + 1, 1]  # one INSERT, COPY, one INSERT
    fill(engine, clock, settings, sizes)
    report = verify(engine, settings)
    assert report.ok, report.message
    assert report.events_checked == sum(sizes)
    with engine.connect() as conn:
        seqs = conn.execute(text("SELECT seq FROM audit_event_ids ORDER BY seq")).scalars()
        assert list(seqs) == list(range(sum(sizes)))
        assert conn.execute(text("SELECT next_seq FROM audit_state")).scalar() == sum(sizes)


def test_changed_field_is_named(engine: Engine, log: Settings) -> None:
    tamper(engine, "UPDATE audit_events SET account = 'mallory' WHERE seq = 13")
    report = verify(engine, log)
    assert (report.ok, report.first_bad_seq, report.problem) == (False, 13, "changed")


def test_changed_field_with_recomputed_hash_fails_its_signed_batch(
    engine: Engine, log: Settings
) -> None:
    from brokerguard.audit.canonical import format_time, record_leaf

    with engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM audit_events WHERE seq = 13")).mappings().one()
    from brokerguard.clock import as_utc

    values = {
        k: row[k]
        for k in row.keys()  # noqa: SIM118
        if k != "leaf_hash"
    }
    values["account"] = "mallory"
    values["recorded_at"] = format_time(as_utc(_dt(values["recorded_at"])))
    values["time"] = format_time(as_utc(_dt(values["time"])))
    forged = record_leaf(**values).hex()
    tamper(
        engine,
        "UPDATE audit_events SET account = 'mallory', leaf_hash = :h WHERE seq = 13",
        params={"h": forged},
    )
    report = verify(engine, log)
    assert (report.ok, report.first_bad_seq, report.problem) == (False, 10, "changed")


def _dt(value: object) -> datetime:
    if isinstance(value, str):
        return datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value


def test_deleted_row_is_named(engine: Engine, log: Settings) -> None:
    tamper(engine, "DELETE FROM audit_events WHERE seq = 7")
    report = verify(engine, log)
    assert (report.ok, report.first_bad_seq, report.problem) == (False, 7, "deleted")


def test_deleted_first_row_is_named(engine: Engine, log: Settings) -> None:
    tamper(engine, "DELETE FROM audit_events WHERE seq = 0")
    report = verify(engine, log)
    assert (report.first_bad_seq, report.problem) == (0, "deleted")


def test_inserted_row_is_named(engine: Engine, log: Settings) -> None:
    with engine.connect() as conn:
        top = conn.execute(text("SELECT max(seq) FROM audit_events")).scalar()
    assert top == 24
    shifts = [f"UPDATE audit_events SET seq = seq + 1 WHERE seq = {s}" for s in range(24, 5, -1)]
    insert = (
        "INSERT INTO audit_events (seq, recorded_at, event_id, time, account, function, system, "
        "query, customer_ids, attributes, leaf_hash) SELECT 6, recorded_at, "
        "'00000000-0000-4000-8000-000000000000', time, 'ghost', function, system, 'forged', "
        "customer_ids, attributes, leaf_hash FROM audit_events WHERE seq = 5"
    )
    tamper(engine, *shifts, insert)
    report = verify(engine, log)
    assert (report.ok, report.first_bad_seq, report.problem) == (False, 6, "inserted")


def test_second_row_at_one_position_is_named(engine: Engine, log: Settings) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite's primary key is seq alone; a second row is impossible there")
    tamper(
        engine,
        "INSERT INTO audit_events SELECT seq, recorded_at + INTERVAL '1 second', event_id, time, "
        "account, function, system, query, result_digest, actor, customer_ids, source_ip, "
        "user_agent, outcome, correlation_id, attributes, leaf_hash FROM audit_events "
        "WHERE seq = 9",
    )
    report = verify(engine, log)
    assert (report.ok, report.first_bad_seq, report.problem) == (False, 9, "inserted")


def test_reordered_rows_are_named(engine: Engine, log: Settings) -> None:
    tamper(
        engine,
        "UPDATE audit_events SET seq = -1 WHERE seq = 3",
        "UPDATE audit_events SET seq = 3 WHERE seq = 8",
        "UPDATE audit_events SET seq = 8 WHERE seq = -1",
    )
    report = verify(engine, log)
    assert (report.ok, report.first_bad_seq, report.problem) == (False, 3, "reordered")


def test_truncated_rows_are_named(engine: Engine, log: Settings) -> None:
    tamper(engine, "DELETE FROM audit_events WHERE seq >= 22")
    report = verify(engine, log)
    assert (report.ok, report.first_bad_seq, report.problem) == (False, 22, "truncated")


def test_truncated_rows_and_heads_are_caught_by_the_witness(engine: Engine, log: Settings) -> None:
    tamper(
        engine,
        "DELETE FROM audit_events WHERE seq >= 20",
        "DELETE FROM audit_tree_heads WHERE tree_size = 25",
    )
    report = verify(engine, log)
    assert (report.ok, report.first_bad_seq, report.problem) == (False, 20, "truncated")


def test_forged_head_signature_is_named(engine: Engine, log: Settings) -> None:
    tamper(
        engine, "UPDATE audit_tree_heads SET root = :r WHERE tree_size = 20", params={"r": "0" * 64}
    )
    report = verify(engine, log, use_witness=False)
    assert (report.ok, report.first_bad_seq, report.problem) == (False, 10, "bad_head")


def test_append_only_guards_refuse_update_and_delete(engine: Engine, log: Settings) -> None:
    from sqlalchemy.exc import DBAPIError

    for statement in (
        "UPDATE audit_events SET account = 'x' WHERE seq = 1",
        "DELETE FROM audit_events WHERE seq = 1",
        "UPDATE audit_tree_heads SET root = 'x'",
        "DELETE FROM audit_tree_heads",
    ):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    assert verify(engine, log).ok


@pytest.mark.postgres
def test_writer_role_may_insert_but_not_update(
    postgres_engine: Engine, clock: FixedClock, tmp_path: Path
) -> None:
    from sqlalchemy.exc import DBAPIError

    from tests.conftest import truncate_all

    truncate_all(postgres_engine)
    settings = settings_for(postgres_engine, tmp_path / "var")
    fill(postgres_engine, clock, settings, [3])
    for statement in (
        "UPDATE audit_events SET account = 'x'",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events",
    ):
        with pytest.raises(DBAPIError), postgres_engine.begin() as conn:
            conn.execute(text("SET LOCAL ROLE brokerguard_audit_writer"))
            conn.execute(text(statement))
    with postgres_engine.begin() as conn:
        conn.execute(text("SET LOCAL ROLE brokerguard_audit_writer"))
        assert conn.execute(text("SELECT count(*) FROM audit_events")).scalar() == 3


@pytest.mark.postgres
def test_events_land_in_monthly_partitions(
    postgres_engine: Engine, clock: FixedClock, tmp_path: Path
) -> None:
    from tests.conftest import truncate_all

    truncate_all(postgres_engine)
    settings = settings_for(postgres_engine, tmp_path / "var")
    fill(postgres_engine, clock, settings, [2])
    with postgres_engine.connect() as conn:
        parts = conn.execute(
            text("SELECT tableoid::regclass::text, count(*) FROM audit_events GROUP BY 1")
        ).all()
    assert parts == [("audit_partitions.audit_events_2026_11", 2)]


def test_deleted_middle_head_is_named(engine: Engine, log: Settings) -> None:
    tamper(engine, "DELETE FROM audit_tree_heads WHERE tree_size = 10")
    report = verify(engine, log)
    assert (report.ok, report.first_bad_seq, report.problem) == (False, 0, "bad_head")


def test_unsealed_tail_is_checked_too(engine: Engine, log: Settings, clock: FixedClock) -> None:
    from brokerguard.audit import service
    from brokerguard.db.engine import session_factory
    from tests.audit.helpers import make_event

    with session_factory(engine)() as session:
        service.append(session, clock, [make_event(i, clock.now()) for i in range(3)])
        session.commit()
    report = verify(engine, log)
    assert report.ok and report.unsealed_events == 3
    tamper(engine, "UPDATE audit_events SET query = 'x' WHERE seq = 26")
    report = verify(engine, log)
    assert (report.first_bad_seq, report.problem) == (26, "changed")
