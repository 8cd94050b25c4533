"""Pooled PostgreSQL connections: pinged only after sitting idle, replaced when dead."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from brokerguard.db import engine as engine_module
from brokerguard.db.engine import make_engine
from tests.conftest import PG_ADMIN_URL

pytestmark = pytest.mark.postgres


@pytest.fixture
def pooled(postgres_url: str) -> Iterator[Engine]:
    eng = make_engine(postgres_url, pool_size=1, max_overflow=0)
    yield eng
    eng.dispose()


def _backend_pid(eng: Engine) -> int:
    with eng.connect() as conn:
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _kill(pid: int) -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()


def test_a_recently_used_connection_is_not_pinged(
    pooled: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    eng = pooled
    first = _backend_pid(eng)
    pings: list[object] = []
    monkeypatch.setattr(eng.dialect, "do_ping", lambda connection: pings.append(connection))
    assert _backend_pid(eng) == first
    assert pings == []


def test_a_dead_idle_connection_is_replaced_before_use(
    pooled: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    eng = pooled
    first = _backend_pid(eng)
    _kill(first)
    monkeypatch.setattr(engine_module, "PING_AFTER_IDLE_S", 0.0)  # it has sat "long enough"
    second = _backend_pid(eng)  # no error reaches the caller
    assert second != first


def test_a_dead_busy_connection_fails_once_then_the_pool_recovers(
    pooled: Engine,
) -> None:
    eng = pooled
    first = _backend_pid(eng)
    _kill(first)
    with pytest.raises(OperationalError):
        _backend_pid(eng)  # used within the idle window: not pinged, so this one fails
    assert _backend_pid(eng) != first
