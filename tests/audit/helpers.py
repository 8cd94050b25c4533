"""Shared helpers for audit tests: events, ingest + seal, and tampering with real rows."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from brokerguard.audit import service
from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.db.engine import session_factory
from brokerguard.kernel.audit import AuditEvent


def make_event(i: int, when: datetime, **overrides: Any) -> AuditEvent:
    data: dict[str, Any] = {
        "event_id": uuid.uuid4(),
        "time": when,
        "account": f"teller{i % 3}",
        "function": "crm.customer.view",
        "system": "crm",
        "query": f"SELECT * FROM customers WHERE id = 'C{i:04d}'",
        "customer_ids": (f"C{i:04d}",),
        "source_ip": "10.0.0.5",
        "outcome": "success",
        "attributes": {"rows": i},
    }
    data.update(overrides)
    return AuditEvent(**data)


def raw_event(i: int, when: str = "2026-11-26T10:00:00+08:00", **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "event_id": str(uuid.uuid4()),
        "time": when,
        "account": f"teller{i}",
        "function": "crm.customer.view",
        "system": "crm",
        "query": f"view C{i}",
        "customer_ids": [f"C{i}"],
    }
    data.update(overrides)
    return data


def settings_for(engine: Engine, data_dir: Path) -> Settings:
    return Settings(
        database_url=engine.url.render_as_string(hide_password=False), data_dir=data_dir
    )


def fill(
    engine: Engine,
    clock: FixedClock,
    settings: Settings,
    batches: Sequence[int],
    step: timedelta = timedelta(seconds=1),
) -> None:
    """Ingest and seal ``batches`` (sizes), one signed head per batch."""
    factory = session_factory(engine)
    counter = 0
    for size in batches:
        with factory() as session:
            events = []
            for _ in range(size):
                events.append(make_event(counter, clock.now()))
                counter += 1
            result = service.append(session, clock, events)
            assert result.accepted == size, result.rejected
            session.commit()
        clock.advance(step)
        service.seal_and_commit(factory, clock, settings)


def tamper(engine: Engine, *statements: str, params: dict[str, Any] | None = None) -> None:
    """Run SQL with the append-only guards switched off, as a database admin could."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            for name in (
                "audit_events_no_update",
                "audit_events_no_delete",
                "audit_events_no_delete_within_floor",
                "audit_tree_heads_no_update",
                "audit_tree_heads_no_delete",
            ):
                conn.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
        for statement in statements:
            conn.execute(text(statement), params or {})


def verify(engine: Engine, settings: Settings, **kwargs: Any) -> Any:
    with Session(engine) as session:
        return service.verify(session, settings, **kwargs)
