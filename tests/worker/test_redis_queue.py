"""Several workers on one Redis queue (``BROKERGUARD_REDIS_URL``): a run queued by one
worker's scheduler is run by any worker, two schedulers ticking in the same minute claim
each slot once, and no slot runs twice. Needs Redis at 127.0.0.1:6379 (skipped when
down unless CI=true)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import redis
from sqlalchemy import Engine

from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.db.engine import session_factory
from brokerguard.notify.delivery import outbox_for
from brokerguard.worker.queue import WorkerProcess, make_huey
from brokerguard.worker.settings import WorkerSettings
from tests.conftest import in_ci
from tests.worker import sample_jobs
from tests.worker.helpers import a_runner, all_runs
from tests.worker.test_runner import WEEKLY

pytestmark = pytest.mark.redis

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def redis_settings(settings: Settings) -> Settings:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        message = f"Redis not reachable at 127.0.0.1:6379: {type(error).__name__}"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    queue = WorkerSettings(queue_name=f"bgtest-{uuid.uuid4().hex[:10]}", retry_delay_s=0)
    return settings.model_copy(update={"redis_url": REDIS_URL, "worker": queue})


@pytest.fixture
def two_workers(
    engine: Engine, redis_settings: Settings, clock: FixedClock
) -> Iterator[list[WorkerProcess]]:
    workers = []
    for owner in ("worker-a", "worker-b"):
        runner = a_runner(engine, redis_settings, clock, [sample_jobs.COUNT, WEEKLY], owner=owner)
        outbox = outbox_for(redis_settings, session_factory(engine), clock)
        workers.append(WorkerProcess(make_huey(redis_settings), runner, outbox, 1.0))
    yield workers
    workers[0].huey.flush()  # the queue's keys in Redis


def test_a_run_queued_by_one_scheduler_is_run_by_another_worker_once(
    engine: Engine, two_workers: list[WorkerProcess], clock: FixedClock
) -> None:
    a, b = two_workers
    assert a.huey.storage.__class__.__name__ == "RedisStorage"
    a._tick()
    b._tick()  # a second scheduler in the same minute (a misconfiguration) claims nothing
    assert a.huey.pending_count() == b.huey.pending_count() == 2  # one shared queue

    for worker in (b, a):  # each worker takes one run from the shared queue
        task = worker.huey.dequeue()
        assert task is not None
        worker.huey.execute(task)
    assert a.huey.pending_count() == 0

    runs = all_runs(engine)
    assert sorted(r.job for r in runs) == ["tests.count", "tests.weekly"]
    assert {r.status for r in runs} == {"ok"}
    assert sorted(r.worker for r in runs) == ["worker-a", "worker-b"]
    assert len({(r.job, r.slot) for r in runs}) == 2

    a._tick()
    b._tick()  # the same minute again: every slot is taken
    assert a.huey.pending_count() == 0
