"""The CLI of the house registers, run against a migrated test database."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.attestations.test_service import CLOUD_RULES
from tests.house_helpers import cli_env, run_cli

PEOPLE_CSV = "員工編號,姓名,單位,職務\nE001,王小明,資訊部,網管\nE002,林美華,資訊部,網管\n"


@pytest.fixture
def cli_db(sqlite_engine: Engine, tmp_path: Path) -> Iterator[Engine]:
    with cli_env(sqlite_engine, tmp_path / "var"):
        yield sqlite_engine


def test_register_commands(cli_db: Engine, tmp_path: Path) -> None:
    added = run_cli(
        "training",
        "people",
        "add",
        "--set",
        "employee_id=E009",
        "--set",
        "name=陳志明",
        "--set",
        "unit=資安專責單位",
        "--set",
        "role=資安人員",
    )
    assert added.exit_code == 0, added.output
    source = tmp_path / "people.csv"
    source.write_bytes(PEOPLE_CSV.encode("cp950"))
    imported = run_cli("training", "people", "import", str(source))
    assert imported.exit_code == 0, imported.output
    assert "2 created" in imported.output
    listed = run_cli("training", "people", "list", "--json")
    rows = json.loads(listed.stdout)
    assert sorted(r["employee_id"] for r in rows) == ["E001", "E002", "E009"]
    item_id = next(r["id"] for r in rows if r["employee_id"] == "E009")
    assert run_cli("training", "people", "edit", item_id, "--set", "unit=稽核室").exit_code == 0
    out = tmp_path / "out.xlsx"
    assert run_cli("training", "people", "export", str(out), "--format", "xlsx").exit_code == 0
    assert out.read_bytes().startswith(b"PK")
    assert run_cli("training", "table").exit_code != 0


@pytest.mark.parametrize(
    "args",
    [
        ["training", "people", "add", "--set", "employee_id"],
        ["training", "people", "add", "--set", "=x"],
        [
            "training",
            "people",
            "add",
            "--set",
            "employee_id=E1",
            "--set",
            "employee_id=E2",
        ],
        ["training", "people", "add", "--set", "bogus=1"],
        ["training", "people", "edit", "nope", "--set", "name=x"],
        ["training", "people", "edit", "nope"],
        ["training", "people", "import", "/nonexistent.csv"],
        ["training", "people", "import", "people.csv", "--mode", "whatever"],
        ["training", "people", "export", "x.pdf", "--format", "pdf"],
        ["training", "overdue", "--topic", "cooking"],
        ["social", "posts", "review", "nope", "--decision", "maybe", "--reviewer", "x"],
        ["social", "profile", "--set", "evil=1"],
        ["deepfake", "start", "A123456789", "--operator", "amy"],
        ["deepfake", "review", "nope", "--decision", "approve", "--reviewer", "x"],
        ["deepfake", "challenges", "nope", "--actor", "a", "--result", "perhaps"],
        [
            "attestations",
            "load-rulebook",
            "/nonexistent.yaml",
            "--name",
            "n",
            "--version",
            "v",
            "--requirement",
            "A4.1",
        ],
    ],
)
def test_bad_arguments_exit_2(cli_db: Engine, tmp_path: Path, args: list[str]) -> None:
    (tmp_path / "people.csv").write_text(PEOPLE_CSV, encoding="utf-8")
    result = run_cli(*[a.replace("people.csv", str(tmp_path / "people.csv")) for a in args])
    assert result.exit_code == 2, result.output


def test_import_rejects_bad_file_and_loads_nothing(cli_db: Engine, tmp_path: Path) -> None:
    source = tmp_path / "people.csv"
    source.write_text(PEOPLE_CSV + "E003,,資訊部,網管\n", encoding="utf-8")
    result = run_cli("training", "people", "import", str(source))
    assert result.exit_code == 2
    assert "line 4" in result.output
    assert json.loads(run_cli("training", "people", "list", "--json").stdout) == []
    partial = run_cli("training", "people", "import", str(source), "--mode", "valid_rows")
    assert partial.exit_code == 0 and "2 created" in partial.output


def test_overdue_exit_code(cli_db: Engine, tmp_path: Path) -> None:
    source = tmp_path / "people.csv"
    source.write_text(PEOPLE_CSV, encoding="utf-8")
    run_cli("training", "people", "import", str(source))
    assert run_cli("training", "overdue").exit_code == 0  # no course: nobody overdue
    run_cli(
        "training",
        "courses",
        "add",
        "--set",
        "code=DF-1",
        "--set",
        "title=深偽辨識",
        "--set",
        "topic=deepfake",
        "--set",
        "frequency_months=12",
    )
    late = run_cli("training", "overdue", "--topic", "deepfake")
    assert late.exit_code == 1 and "E001" in late.output
    assert run_cli("training", "completion").exit_code == 0


def test_social_and_deepfake_commands(cli_db: Engine, tmp_path: Path) -> None:
    run_cli(
        "social",
        "accounts",
        "add",
        "--set",
        "name=LINE 官方帳號",
        "--set",
        "platform=LINE",
        "--set",
        "url=https://line.me/R/ti/p/@demo",
        "--set",
        "owning_unit=數位金融部",
    )
    body = tmp_path / "post.txt"
    body.write_text("本公司提醒您慎防詐騙", encoding="utf-8")
    drafted = run_cli(
        "social",
        "posts",
        "draft",
        "--account",
        "LINE 官方帳號",
        "--title",
        "防詐提醒",
        "--body-file",
        str(body),
        "--author",
        "amy",
    )
    assert drafted.exit_code == 0, drafted.output
    post_id = drafted.output.split()[-1]
    assert (
        run_cli(
            "social", "posts", "review", post_id, "--decision", "approve", "--reviewer", "amy"
        ).exit_code
        == 1
    )
    assert (
        run_cli(
            "social", "posts", "review", post_id, "--decision", "approve", "--reviewer", "ben"
        ).exit_code
        == 0
    )
    assert run_cli("social", "posts", "publish", post_id, "--publisher", "amy").exit_code == 0
    started = run_cli("deepfake", "start", "9801-55", "--operator", "amy")
    assert started.exit_code == 0, started.output
    sid = json.loads(started.stdout)["id"]
    assert (
        run_cli(
            "deepfake", "send-code", sid, "--channel", "sms", "--destination", "0912345678"
        ).exit_code
        == 1
    )
    refused = run_cli("deepfake", "review", sid, "--decision", "approve", "--reviewer", "ben")
    assert refused.exit_code == 2 and "missing" in refused.output
    video = tmp_path / "v.mp4"
    video.write_bytes(b"\x00video")
    recorded = run_cli("deepfake", "recording", sid, str(video))
    assert "no score: no detector configured" in recorded.output


def test_attestation_rulebook_command(cli_db: Engine, tmp_path: Path) -> None:
    good = tmp_path / "cloud.yaml"
    good.write_text(CLOUD_RULES, encoding="utf-8")
    ok = run_cli(
        "attestations",
        "load-rulebook",
        str(good),
        "--name",
        "雲端",
        "--version",
        "114",
        "--requirement",
        "A4.1",
    )
    assert ok.exit_code == 0, ok.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("article: [", encoding="utf-8")
    result = run_cli(
        "attestations",
        "load-rulebook",
        str(bad),
        "--name",
        "x",
        "--version",
        "1",
        "--requirement",
        "A4.1",
    )
    assert result.exit_code == 2 and "bad.yaml" in result.output
    assert "雲端" in run_cli("attestations", "rulebooks").output
