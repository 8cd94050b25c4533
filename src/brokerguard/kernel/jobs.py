"""A job: periodic work a domain declares beside its checks (the worker runs it).

A domain lists its jobs in its manifest. The worker (``brokerguard worker``) runs
each job on its schedule (a cron expression in Asia/Taipei, overridable in
settings), stops it at ``timeout_s``, retries it up to ``retries`` times, and
records every run. A job must be idempotent: a worker killed in the middle runs it
again without doubling any effect.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import threading

    from sqlalchemy.orm import Session

    from brokerguard.clock import Clock
    from brokerguard.config import Settings


class JobContext(Protocol):
    """What a running job is given (the worker builds it)."""

    @property
    def settings(self) -> Settings: ...

    @property
    def clock(self) -> Clock: ...

    def unit_of_work(self) -> AbstractContextManager[Session]:
        """A session whose commit also appends its audit events and queues its notices;
        rolled back, all three are dropped."""
        ...


class ConsumerContext(JobContext, Protocol):
    """What a running stream consumer is given: a job's context, and a way to have its
    notices sent at once."""

    def notices_queued(self) -> None:
        """Committed work queued notices: the worker's outbox sender sends them now
        rather than at its next poll."""
        ...


@dataclass(frozen=True)
class JobOutcome:
    """What a run did: a one-line summary (shown and sent) and its figures."""

    summary: str
    figures: Mapping[str, int | float | str] = field(default_factory=dict)
    #: the run did nothing because there was nothing to do (shown as ``skipped``)
    skipped: bool = False


@dataclass(frozen=True)
class JobSpec:
    """A declared job. ``name`` is ``<domain>.<what>``, e.g. ``audit.seal``."""

    name: str
    schedule: str
    run: Callable[[JobContext], JobOutcome]
    title_zh: str
    title_en: str
    timeout_s: float = 300.0
    retries: int = 2
    #: the requirement IDs whose control this job operates (A9.3, A8.1, ...)
    requirement_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        domain, dot, what = self.name.partition(".")
        if not (domain and dot and what):
            raise ValueError(f"job name {self.name!r} must be '<domain>.<what>'")
        if self.timeout_s <= 0:
            raise ValueError(f"job {self.name}: timeout_s must be positive")
        if self.retries < 0:
            raise ValueError(f"job {self.name}: retries must be 0 or more")


@dataclass(frozen=True)
class StreamConsumer:
    """Continuous work a domain declares beside its jobs: the worker runs ``run`` in a
    thread of its own while ``enabled(settings)`` (e.g. a NATS JetStream consumer when
    ``BROKERGUARD_NATS_URL`` is set), until the stop event is set; a ``run`` that
    raises is logged and started again after ``restart_delay_s``. Like a job, it
    must be idempotent: a message handled twice doubles nothing."""

    name: str
    enabled: Callable[[Settings], bool]
    run: Callable[[ConsumerContext, threading.Event], None]
    title_zh: str
    title_en: str
    restart_delay_s: float = 5.0
    requirement_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        domain, dot, what = self.name.partition(".")
        if not (domain and dot and what):
            raise ValueError(f"consumer name {self.name!r} must be '<domain>.<what>'")
        if self.restart_delay_s <= 0:
            raise ValueError(f"consumer {self.name}: restart_delay_s must be positive")
