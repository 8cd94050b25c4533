from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from brokerguard.clock import FixedClock
from tests.auth.helpers import Kit


@pytest.fixture
def kit(engine: Engine, clock: FixedClock, tmp_path: Path) -> Kit:
    return Kit(engine=engine, clock=clock, data_dir=tmp_path / "var")
