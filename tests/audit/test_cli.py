"""The ``brokerguard audit`` interface contract: ingest, seal, verify (exit codes, --json)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from brokerguard.cli import runtime
from brokerguard.cli.main import app
from brokerguard.clock import TAIPEI, FixedClock
from brokerguard.config import get_settings
from tests.audit.helpers import fill, raw_event, settings_for, tamper


@pytest.fixture
def cli(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("BROKERGUARD_DATABASE_URL", engine.url.render_as_string(False))
    monkeypatch.setenv("BROKERGUARD_DATA_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    runtime.engine.cache_clear()
    yield CliRunner()
    runtime.engine().dispose()
    runtime.engine.cache_clear()
    get_settings.cache_clear()


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_ingest_seal_verify_round_trip(cli: CliRunner, tmp_path: Path, engine: Engine) -> None:
    good = [json.dumps(raw_event(i)) for i in range(5)]
    bad = [
        "{not json",
        json.dumps({"event_id": "x"}),
        json.dumps(raw_event(9, when="2026-11-26T10:00:00")),  # no offset
        json.dumps({**raw_event(8), "query": None}),  # neither query nor digest
        json.dumps(raw_event(7, when="2999-01-01T00:00:00Z")),  # far future
        json.dumps([1, 2]),
    ]
    file = _write(tmp_path / "events.jsonl", good + bad)
    result = cli.invoke(app, ["audit", "ingest", str(file)])
    assert result.exit_code == 0, result.output
    assert "accepted 5, rejected 6" in result.stdout

    again = cli.invoke(app, ["audit", "ingest", str(file), "--json"])
    data = json.loads(again.stdout)
    assert data["accepted"] == 0
    assert sum(1 for e in data["errors"] if e["reason"] == "duplicate") == 5

    sealed = cli.invoke(app, ["audit", "seal", "--json"])
    assert sealed.exit_code == 0, sealed.output
    assert json.loads(sealed.stdout)["sealed"][0]["tree_size"] == 5
    assert "nothing to seal" in cli.invoke(app, ["audit", "seal"]).stdout

    ok = cli.invoke(app, ["audit", "verify", "--json"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["ok"] is True

    proof = cli.invoke(app, ["audit", "proof", "inclusion", "3"])
    assert proof.exit_code == 0, proof.output
    assert json.loads(proof.stdout)["tree_size"] == 5

    tamper(engine, "UPDATE audit_events SET query = 'nothing to see' WHERE seq = 2")
    bad_run = cli.invoke(app, ["audit", "verify"])
    assert bad_run.exit_code == 1
    assert "sequence number 2" in bad_run.stdout
    report = json.loads(cli.invoke(app, ["audit", "verify", "--json"]).stdout)
    assert (report["ok"], report["first_bad_seq"], report["problem"]) == (False, 2, "changed")


def test_ingest_reads_stdin(cli: CliRunner) -> None:
    result = cli.invoke(app, ["audit", "ingest", "-"], input=json.dumps(raw_event(1)) + "\n")
    assert result.exit_code == 0, result.output
    assert "accepted 1, rejected 0" in result.stdout


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"", "empty"),
        (b"\xff\xfe garbage", "not utf-8"),
        (b"[" * 100000, "hostile nesting"),
        (("{" + '"a":"' + "x" * 300000 + '"}').encode(), "oversized"),
    ],
)
def test_ingest_refuses_bad_files(cli: CliRunner, tmp_path: Path, content: bytes, why: str) -> None:
    file = tmp_path / "bad.jsonl"
    file.write_bytes(content)
    result = cli.invoke(app, ["audit", "ingest", str(file)])
    if why == "empty":
        assert result.exit_code == 0
        assert "accepted 0, rejected 0" in result.stdout
    else:
        assert result.exit_code == 2, (why, result.output)


def test_missing_file_and_bad_ranges_exit_2(cli: CliRunner, tmp_path: Path) -> None:
    assert cli.invoke(app, ["audit", "ingest", str(tmp_path / "nope")]).exit_code == 2
    assert cli.invoke(app, ["audit", "verify", "--from", "-1"]).exit_code == 2
    assert cli.invoke(app, ["audit", "verify", "--from", "5", "--to", "2"]).exit_code == 2
    assert cli.invoke(app, ["audit", "proof", "inclusion", "0"]).exit_code == 2


def test_public_key_is_pem(cli: CliRunner) -> None:
    result = cli.invoke(app, ["audit", "public-key"])
    assert result.stdout.startswith("-----BEGIN PUBLIC KEY-----")


def test_verify_with_another_public_key_fails(cli: CliRunner, tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    cli.invoke(app, ["audit", "ingest", "-"], input=json.dumps(raw_event(1)) + "\n")
    cli.invoke(app, ["audit", "seal"])
    other = tmp_path / "other.pem"
    other.write_bytes(
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    result = cli.invoke(app, ["audit", "verify", "--public-key", str(other), "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["problem"] == "bad_head"
    junk = tmp_path / "junk.pem"
    junk.write_text("not a key")
    assert cli.invoke(app, ["audit", "verify", "--public-key", str(junk)]).exit_code == 2


def test_search_formats_and_is_recorded(cli: CliRunner, engine: Engine) -> None:
    lines = "\n".join(json.dumps(raw_event(i, customer_ids=["C42"])) for i in range(3))
    cli.invoke(app, ["audit", "ingest", "-"], input=lines + "\n")
    cli.invoke(app, ["audit", "seal"])
    out = cli.invoke(app, ["audit", "search", "--customer", "C42", "--format", "ocsf"])
    assert out.exit_code == 0, out.output
    events = [json.loads(line) for line in out.stdout.splitlines()]
    assert {e["class_uid"] for e in events} == {6003}
    assert len(events) == 4  # three reads and this very search
    csv_out = cli.invoke(app, ["audit", "search", "--customer", "C42", "--format", "csv"])
    assert "inclusion_proof" in csv_out.stdout
    assert cli.invoke(app, ["audit", "search", "--format", "pdf"]).exit_code == 2
    assert cli.invoke(app, ["audit", "search", "--from", "yesterday"]).exit_code == 2


def test_holds_and_purge_commands(cli: CliRunner) -> None:
    added = cli.invoke(
        app, ["audit", "hold", "add", "--from", "2020-01", "--to", "2020-03", "--reason", "case"]
    )
    assert added.exit_code == 0, added.output
    hold_id = added.stdout.split()[2]
    assert hold_id in cli.invoke(app, ["audit", "hold", "list"]).stdout
    assert cli.invoke(app, ["audit", "hold", "release", hold_id]).exit_code == 0
    assert cli.invoke(app, ["audit", "hold", "release", hold_id]).exit_code == 2
    bad = cli.invoke(
        app, ["audit", "hold", "add", "--from", "2020-13", "--to", "x", "--reason", "r"]
    )
    assert bad.exit_code == 2
    assert "nothing to purge" in cli.invoke(app, ["audit", "purge", "--dry-run"]).stdout


def test_api_key_commands(cli: CliRunner) -> None:
    created = cli.invoke(app, ["audit", "keys", "create", "crm"])
    assert created.exit_code == 0, created.output
    token = created.stdout.strip()
    assert token.startswith("bgk_")
    key_id = token.split("_")[1]
    assert cli.invoke(app, ["audit", "keys", "revoke", key_id]).exit_code == 0
    assert cli.invoke(app, ["audit", "keys", "revoke", key_id]).exit_code == 2
    assert cli.invoke(app, ["audit", "keys", "create", "Bad Name"]).exit_code == 2


def test_periodic_sealer(cli: CliRunner) -> None:
    cli.invoke(app, ["audit", "ingest", "-"], input=json.dumps(raw_event(1)) + "\n")
    out = cli.invoke(app, ["audit", "seal", "--every", "0", "--rounds", "2"])
    assert out.exit_code == 0, out.output
    assert out.stdout.count("sealed [0, 1)") == 1


def test_long_file_is_ingested_in_batches_with_file_line_numbers(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BROKERGUARD_AUDIT_MAX_BATCH_EVENTS", "3")
    lines = [json.dumps(raw_event(i)) for i in range(8)]
    lines[5] = "{broken"
    file = _write(tmp_path / "long.jsonl", lines)
    result = cli.invoke(app, ["audit", "ingest", str(file), "--json"])
    data = json.loads(result.stdout)
    assert (data["accepted"], data["rejected"]) == (7, 1)
    assert data["errors"][0]["index"] == 5


def test_atomic_policy_stores_nothing_when_a_line_is_bad(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: Engine
) -> None:
    from sqlalchemy import text

    monkeypatch.setenv("BROKERGUARD_AUDIT_BATCH_POLICY", "atomic")
    lines = [json.dumps(raw_event(i)) for i in range(4)] + ['{"event_id": 1}']
    result = cli.invoke(app, ["audit", "ingest", str(_write(tmp_path / "a.jsonl", lines))])
    assert result.exit_code == 2
    assert "accepted 0, rejected 1" in result.stdout
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_events")).scalar() == 0


def test_verify_ranges_by_date_and_time(
    cli: CliRunner, engine: Engine, clock: FixedClock, tmp_path: Path
) -> None:
    settings = settings_for(engine, tmp_path / "var")
    fill(engine, clock, settings, [2, 2, 2], step=timedelta(days=1))  # one batch a day
    second_day = (clock.now() - timedelta(days=2)).astimezone(TAIPEI)

    def positions(*options: str) -> tuple[object, object]:
        result = cli.invoke(app, ["audit", "verify", "--json", *options])
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        assert data["ok"] is True
        return data["from_seq"], data["to_seq"]

    roc = f"{second_day.year - 1911}/{second_day.month:02d}/{second_day.day:02d}"
    assert positions("--from", second_day.date().isoformat(), "--to", roc) == (2, 4)
    assert positions("--from", second_day.isoformat()) == (2, None)
    assert positions("--from", "2099-01-01") == (6, None)  # after the log: its next number
    assert positions("--to", "2000-01-01") == (None, 0)
    shown = cli.invoke(app, ["audit", "verify", "--from", "2", "--to", "4"])
    assert "sequence numbers from 2 up to 4" in shown.stdout
    for option, value in (("--from", "yesterday"), ("--to", "2026-11-01T09:00:00")):
        refused = cli.invoke(app, ["audit", "verify", option, value])
        assert refused.exit_code == 2 and option in refused.output
