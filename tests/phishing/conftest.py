from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from brokerguard.cli import runtime
from brokerguard.clock import FixedClock
from brokerguard.config import Settings, get_settings
from brokerguard.phishing.brands import Brand, load_brands, parse_brands

BRANDS_FILE = (
    Path(__file__).resolve().parents[2] / "src/brokerguard/phishing/data/taiwan-brokers.yaml"
)


@pytest.fixture(scope="session")
def brands() -> list[Brand]:
    return load_brands(BRANDS_FILE)


@pytest.fixture(scope="session")
def odd_brand() -> Brand:
    """A brand whose label has dashes, digits, doubled letters and a homophone."""
    spec = {
        "name_zh": "第一金證券",
        "name_en": "First Securities",
        "domains": ["first-2-bookkeeper.com.tw"],
        "aliases": ["firstsec"],
    }
    return parse_brands([spec])[0]


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def cli_db(
    engine: Engine, settings: Settings, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Engine]:
    monkeypatch.setenv("BROKERGUARD_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("BROKERGUARD_DATA_DIR", str(settings.data_dir))
    get_settings.cache_clear()
    runtime.engine.cache_clear()
    monkeypatch.setattr(runtime, "clock", lambda: clock)
    yield engine
    runtime.engine.cache_clear()
    get_settings.cache_clear()
