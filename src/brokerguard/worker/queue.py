"""The job engine: Huey, with its queue in the data directory or in Redis.

``SqliteHuey`` (``<data_dir>/worker-queue.db``) by default: nothing to start.
``RedisHuey`` when ``BROKERGUARD_REDIS_URL`` is set, so workers on several machines
share one queue. The domains' continuous consumers that are enabled (login
detection from NATS JetStream) run in threads of their own. The scheduler is one
Huey periodic task, ``tick``, every minute: it claims each due slot in ``job_runs``
(unique per job and slot, so a second scheduler, by mistake or during a hand-over,
claims nothing) and queues one ``run_job`` per claim, which any worker of the queue
runs. Beside the consumer, a thread sends the outbox's due deliveries every
``outbox_poll_s`` seconds (Huey's periodic tasks have a one-minute grain; a retry is
due 15 s after a failure).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.consumer import Consumer

from brokerguard.config import Settings
from brokerguard.kernel.jobs import StreamConsumer
from brokerguard.notify.delivery import Outbox
from brokerguard.worker.child import RunContext
from brokerguard.worker.runner import JobRunner

log = logging.getLogger(__name__)


def make_huey(settings: Settings) -> Huey:
    name = settings.worker.queue_name
    if settings.redis_url:
        return RedisHuey(name, url=settings.redis_url, results=False, utc=True)
    path = settings.data_dir / "worker-queue.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name, filename=str(path), results=False, utc=True)


@dataclass
class WorkerProcess:
    """A long-running worker: Huey consumer, scheduler (optional), outbox sender and
    the enabled stream consumers."""

    huey: Huey
    runner: JobRunner
    outbox: Outbox
    outbox_poll_s: float
    consumers: Sequence[StreamConsumer] = ()
    stop: threading.Event = field(default_factory=threading.Event)
    #: set by a stream consumer that queued notices: the outbox is sent at once
    outbox_wake: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        # Huey tasks are registered by name, the same in every worker of the queue
        self.run_job: Any = self.huey.task(name="run_job")(self._run_job)
        self.tick: Any = self.huey.periodic_task(crontab(), name="tick")(self._tick)

    def _run_job(self, run_id: str) -> None:
        report = self.runner.execute(run_id)
        if report is not None and report.status != "failed":  # the runner logged a failure
            log.info("job %s %s: %s %s", report.job, report.status, report.summary, report.error)

    def _tick(self) -> None:
        for run_id in self.runner.claim_due():
            self.run_job(run_id)

    def deliver_until_stopped(self) -> None:
        while not self.stop.is_set():
            try:
                report = self.outbox.deliver_due()
                if report.total:
                    log.info(
                        "outbox: sent %d, failed %d (given up %d)",
                        report.sent,
                        report.failed,
                        report.given_up,
                    )
            except Exception:  # the database may be away for a moment; try again later
                log.exception("outbox delivery pass failed")
            self.outbox_wake.wait(self.outbox_poll_s)
            self.outbox_wake.clear()

    def consume_until_stopped(self, consumer: StreamConsumer) -> None:
        """Run ``consumer`` until the worker stops, starting it again when it fails
        (NATS or the database away for a while)."""
        runner = self.runner
        context = RunContext(runner.settings, runner.clock, runner.factory, self.outbox_wake)
        while not self.stop.is_set():
            try:
                consumer.run(context, self.stop)
            except Exception:
                log.exception("consumer %s stopped; starting it again", consumer.name)
            self.stop.wait(consumer.restart_delay_s)

    def serve(self, *, scheduler: bool, threads: int) -> None:
        """Run until SIGINT/SIGTERM. With ``scheduler``, claim due jobs at once, then
        every minute."""
        sender = threading.Thread(target=self.deliver_until_stopped, name="outbox", daemon=True)
        sender.start()
        streams = [
            threading.Thread(target=self.consume_until_stopped, args=(c,), name=c.name, daemon=True)
            for c in self.consumers
        ]
        for thread in streams:
            thread.start()
        # the scheduler also runs ``tick`` as it starts: what is due runs now
        consumer = Consumer(
            self.huey, workers=threads, periodic=scheduler, worker_type="thread", max_delay=1.0
        )
        try:
            consumer.run()
        finally:
            self.stop.set()
            self.outbox_wake.set()
            sender.join(timeout=self.outbox.settings.timeout_s + 5)
            for thread in streams:
                thread.join(timeout=10)
