from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine
from typer.testing import CliRunner

from brokerguard.cli import runtime
from brokerguard.cli.main import app
from brokerguard.config import get_settings
from brokerguard.rulebook import load_rulebook


@pytest.fixture
def cli_env(
    monkeypatch: pytest.MonkeyPatch, sqlite_engine: Engine, tmp_path: Path
) -> Iterator[None]:
    monkeypatch.setenv("BROKERGUARD_DATABASE_URL", sqlite_engine.url.render_as_string(False))
    monkeypatch.setenv("BROKERGUARD_DATA_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    runtime.engine.cache_clear()
    yield
    get_settings.cache_clear()
    runtime.engine.cache_clear()


def test_report_command_each_format(cli_env: None, tmp_path: Path) -> None:
    runner = CliRunner()
    for fmt in ("html", "pdf", "xlsx"):
        target = tmp_path / f"out.{fmt}"
        result = runner.invoke(app, ["report", "--lang", "en", "--format", fmt, "-o", str(target)])
        assert result.exit_code == 0, result.output
        assert target.stat().st_size > 0
    book = load_workbook(tmp_path / "out.xlsx")
    assert book.sheetnames[0] == "Summary"
    cells = [c for s in book.worksheets[1:] for row in s.iter_rows(values_only=True) for c in row]
    for requirement in load_rulebook().ordered():
        assert requirement.id in cells


def test_report_command_can_assess_first(cli_env: None, tmp_path: Path) -> None:
    runner = CliRunner()
    before = runner.invoke(app, ["report", "--format", "html", "-o", str(tmp_path / "a.html")])
    assert before.exit_code == 0
    assert "尚未執行評估" in (tmp_path / "a.html").read_text(encoding="utf-8")
    after = runner.invoke(
        app, ["report", "--assess", "--format", "html", "-o", str(tmp_path / "b.html")]
    )
    assert after.exit_code == 0, after.output
    assert "尚未執行評估" not in (tmp_path / "b.html").read_text(encoding="utf-8")


def test_report_command_bad_input(cli_env: None, tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["report", "--lang", "fr"]).exit_code == 2
    assert runner.invoke(app, ["report", "--format", "docx"]).exit_code == 2
    folder = tmp_path / "folder"
    folder.mkdir()
    result = runner.invoke(app, ["report", "-o", str(folder)])
    assert result.exit_code == 2
    assert "folder" in result.output
