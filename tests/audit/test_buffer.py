"""NATS JetStream buffer: a sealer worker killed after commit but before ack loses and
duplicates nothing. Needs NATS at 127.0.0.1:4222 (skipped when down unless CI=true)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from brokerguard.audit.buffer import BufferConfig, publish
from tests.audit.helpers import raw_event, settings_for, verify
from tests.nats_helpers import drop_stream, require_nats

pytestmark = [pytest.mark.nats, pytest.mark.slow]


@pytest.fixture
def nats_config() -> BufferConfig:
    tag = uuid.uuid4().hex[:10]
    return BufferConfig(
        url=require_nats(),
        stream=f"BGTEST_{tag}",
        subject=f"bgtest.{tag}.events",
        durable=f"sealer-{tag}",
        batch=50,
        ack_wait_s=1.0,
        fetch_timeout_s=0.5,
    )


def _worker(engine: Engine, data_dir: Path, config: BufferConfig, *extra: str) -> int:
    env = {
        **os.environ,
        "BROKERGUARD_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "BROKERGUARD_DATA_DIR": str(data_dir),
        "BROKERGUARD_NATS_URL": config.url,
    }
    args = [
        sys.executable, "-m", "brokerguard", "audit", "worker",
        "--stream", config.stream, "--subject", config.subject, "--durable", config.durable,
        "--batch", str(config.batch), "--ack-wait", str(config.ack_wait_s), *extra,
    ]  # fmt: skip
    return subprocess.run(args, env=env, timeout=300, check=False).returncode


def test_killed_worker_loses_and_duplicates_nothing(
    engine: Engine, tmp_path: Path, nats_config: BufferConfig
) -> None:
    events = [raw_event(i) for i in range(400)]
    events.insert(7, {"event_id": "garbage"})  # refused, not lost silently, not retried
    try:
        assert asyncio.run(publish(nats_config, events)) == 401
        # the same events again (a producer retry): the stream or the store drops them
        assert asyncio.run(publish(nats_config, events[:30])) == 30
        data_dir = tmp_path / "var"
        crashed = _worker(engine, data_dir, nats_config, "--crash-after-commit", "3")
        assert crashed == 137
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT count(*) FROM audit_events")).scalar()
        assert stored == 3 * 50 - 1  # three batches committed (one bad event refused)
        assert _worker(engine, data_dir, nats_config, "--until-drained") == 0
        with engine.connect() as conn:
            total, distinct = conn.execute(
                text("SELECT count(*), count(DISTINCT event_id) FROM audit_events")
            ).one()
        assert (total, distinct) == (400, 400)
        report = verify(engine, settings_for(engine, data_dir))
        assert report.ok, report.message
        assert report.unsealed_events == 0
    finally:
        drop_stream(nats_config.stream, nats_config.url)
