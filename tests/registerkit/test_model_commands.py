from __future__ import annotations

from pathlib import Path

import typer
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from brokerguard.clock import Clock
from brokerguard.registerkit.commands import add_export_command, add_import_command
from brokerguard.registerkit.model_rows import ImportOutcome
from brokerguard.tabular import ImportMode
from tests.cli_helpers import Cli, cli  # noqa: F401

Calls = list[tuple[bytes, str, ImportMode, str]]


def _app(calls: Calls) -> typer.Typer:
    def load(
        session: Session, clock: Clock, content: bytes, name: str, mode: ImportMode, actor: str
    ) -> ImportOutcome:
        calls.append((content, name, mode, actor))
        return ImportOutcome(total=2, loaded=2)

    app = typer.Typer()
    add_import_command(app, "import", load, "Import things.")
    add_import_command(app, "quiet-import", load, "Import quietly.", by_option=False)
    add_export_command(app, "export", lambda session, fmt: f"as {fmt}".encode(), "Export.")
    return app


def test_import_commands_hand_the_file_mode_and_actor_to_the_loader(
    cli: Cli,  # noqa: F811
    tmp_path: Path,
) -> None:
    calls: Calls = []
    app = _app(calls)
    source = tmp_path / "things.csv"
    source.write_bytes(b"name\nx\n")
    runner = CliRunner()
    done = runner.invoke(app, ["import", str(source), "--mode", "valid_rows", "--by", "amy"])
    assert done.exit_code == 0, done.output
    assert "loaded 2 of 2 rows" in done.output
    quiet = runner.invoke(app, ["quiet-import", str(source)])
    assert quiet.exit_code == 0, quiet.output
    assert calls[0] == (b"name\nx\n", "things.csv", ImportMode.valid_rows, "amy")
    assert calls[1][2] is ImportMode.all_or_nothing
    assert calls[1][3].startswith("cli")
    assert runner.invoke(app, ["quiet-import", str(source), "--by", "amy"]).exit_code == 2
    assert runner.invoke(app, ["import", str(source), "--mode", "some"]).exit_code == 2
    assert len(calls) == 2


def test_export_command_writes_the_format_the_suffix_names(
    cli: Cli,  # noqa: F811
    tmp_path: Path,
) -> None:
    runner = CliRunner()
    app = _app([])
    out = tmp_path / "things.xlsx"
    assert runner.invoke(app, ["export", str(out)]).exit_code == 0
    assert out.read_bytes() == b"as xlsx"
    refused = runner.invoke(app, ["export", str(tmp_path / "things.pdf")])
    assert refused.exit_code == 2
    assert not (tmp_path / "things.pdf").exists()
