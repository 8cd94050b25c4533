"""Issue 14: the CLI builds the typed application context the web app has."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from brokerguard.cli import runtime
from brokerguard.config import get_settings
from brokerguard.domains import all_domains
from brokerguard.errors import MigrationStateError
from brokerguard.kernel.context import AppContext


@pytest.fixture
def cli_database(
    sqlite_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Engine]:
    monkeypatch.setenv(
        "BROKERGUARD_DATABASE_URL", sqlite_engine.url.render_as_string(hide_password=False)
    )
    monkeypatch.setenv("BROKERGUARD_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("BROKERGUARD_AUTH__LOCK_THRESHOLD", "3")
    get_settings.cache_clear()
    runtime.engine.cache_clear()
    yield sqlite_engine
    runtime.engine().dispose()
    get_settings.cache_clear()
    runtime.engine.cache_clear()


def test_a_command_context_holds_the_settings_clock_database_and_domains(
    cli_database: Engine,
) -> None:
    ctx = runtime.context()
    assert isinstance(ctx, AppContext)
    assert ctx.settings is runtime.settings() and ctx.settings.auth.lock_threshold == 3
    assert ctx.engine is runtime.engine()
    assert ctx.domains == all_domains()
    with ctx.session_factory() as session:
        assert session.execute(text("SELECT 1")).scalar_one() == 1
    assert runtime.context().session_factory is ctx.session_factory  # one factory per engine


def test_no_context_on_a_database_never_migrated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BROKERGUARD_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    monkeypatch.setenv("BROKERGUARD_DATA_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    runtime.engine.cache_clear()
    try:
        with pytest.raises(MigrationStateError, match="db upgrade"):
            runtime.context()
    finally:
        get_settings.cache_clear()
        runtime.engine.cache_clear()
