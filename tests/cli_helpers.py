"""Running ``brokerguard`` commands in-process against a test database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from brokerguard.cli import runtime
from brokerguard.cli.main import app
from brokerguard.config import get_settings


class Cli:
    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None) -> tuple[int, str]:
        result = self.runner.invoke(app, list(args), input=input)
        return result.exit_code, result.output + (result.stderr if result.stderr_bytes else "")


@pytest.fixture
def cli(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    monkeypatch.setenv("BROKERGUARD_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("BROKERGUARD_DATA_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    runtime.engine.cache_clear()
    yield Cli()
    runtime.engine().dispose()
    runtime.engine.cache_clear()
    get_settings.cache_clear()
