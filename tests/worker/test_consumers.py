"""The worker runs the domains' enabled stream consumers and starts a failed one again."""

from __future__ import annotations

import threading

from sqlalchemy import Engine

from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.db.engine import session_factory
from brokerguard.kernel.jobs import ConsumerContext, StreamConsumer
from brokerguard.notify.delivery import outbox_for
from brokerguard.worker.queue import WorkerProcess, make_huey
from brokerguard.worker.registry import declared_consumers
from tests.worker import sample_jobs
from tests.worker.helpers import a_runner


def test_a_consumer_that_fails_is_started_again_until_the_worker_stops(
    engine: Engine, settings: Settings, clock: FixedClock
) -> None:
    calls: list[str] = []

    def flaky(ctx: ConsumerContext, stop: threading.Event) -> None:
        calls.append(ctx.settings.database_url)
        if len(calls) < 3:
            raise ConnectionError("NATS away")
        stop.set()  # the third start runs until the worker stops

    consumer = StreamConsumer(
        "tests.flaky", lambda s: True, flaky, "測試", "Test", restart_delay_s=0.01
    )
    runner = a_runner(engine, settings, clock, [sample_jobs.COUNT])
    process = WorkerProcess(
        make_huey(settings),
        runner,
        outbox_for(settings, session_factory(engine), clock),
        1.0,
        [consumer],
    )
    process.consume_until_stopped(consumer)
    assert calls == [settings.database_url] * 3


def test_login_detection_is_the_declared_consumer() -> None:
    [consumer] = declared_consumers()
    assert consumer.name == "detect.login_stream"
    assert consumer.requirement_ids == ("A9.3",)
