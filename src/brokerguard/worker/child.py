"""Running one attempt of a job in a child process, stopped at its timeout.

A thread cannot be stopped, so each attempt runs in a process of its own
forked from a fork server (``forkserver``: it starts from a clean single-threaded
process with the job modules imported once, so nothing of the worker's threads or
connections is inherited, and a child starts in milliseconds). The
child opens its own engine, runs the job, and sends back its
:class:`~brokerguard.kernel.jobs.JobOutcome` or its error. A child still running
at the timeout is killed: its open transaction is rolled back by the database, so
a hung job leaves nothing half-written.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection

from sqlalchemy.orm import Session, sessionmaker

from brokerguard.clock import Clock
from brokerguard.config import Settings
from brokerguard.db.engine import make_engine, session_factory, session_scope
from brokerguard.errors import BrokerguardError
from brokerguard.kernel.jobs import JobOutcome, JobSpec

log = logging.getLogger(__name__)

MAX_ERROR = 2000
#: failures a job words itself (a store or feed away, no network, a refused input): the
#: recorded error says it all, so the log gets no traceback; any other exception is a
#: fault in the job and keeps its traceback
WORDED_FAILURES: tuple[type[BaseException], ...] = (BrokerguardError, OSError)
#: what the ``brokerguard`` console script imports
MAIN_SCRIPT_IMPORTS = ("brokerguard.cli.main",)


@dataclass(frozen=True)
class RunContext:
    """The :class:`~brokerguard.kernel.jobs.JobContext` a job is given."""

    settings: Settings
    clock: Clock
    factory: sessionmaker[Session]
    #: set when notices were queued: the worker's outbox sender wakes up (None: nobody)
    outbox_wake: threading.Event | None = None

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        with session_scope(self.factory) as session:
            yield session

    def notices_queued(self) -> None:
        if self.outbox_wake is not None:
            self.outbox_wake.set()


@dataclass(frozen=True)
class AttemptResult:
    outcome: JobOutcome | None
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome is not None


def _describe(error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}"
    return text[:MAX_ERROR]


def run_job_here(spec: JobSpec, settings: Settings, clock: Clock) -> AttemptResult:
    """Run ``spec`` in this process (the child calls it)."""
    engine = make_engine(settings.database_url)
    try:
        outcome = spec.run(RunContext(settings, clock, session_factory(engine)))
        if not isinstance(outcome, JobOutcome):
            return AttemptResult(None, f"job returned {type(outcome).__name__}, not JobOutcome")
        return AttemptResult(outcome)
    except WORDED_FAILURES as error:
        log.debug("job %s failed", spec.name, exc_info=True)
        return AttemptResult(None, _describe(error))
    except Exception as error:
        log.error("job %s failed:\n%s", spec.name, traceback.format_exc())
        return AttemptResult(None, _describe(error))
    finally:
        engine.dispose()


def _child_main(spec: JobSpec, settings: Settings, clock: Clock, conn: Connection) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    result = run_job_here(spec, settings, clock)
    conn.send(result)
    conn.close()


def run_in_child(spec: JobSpec, settings: Settings, clock: Clock) -> AttemptResult:
    """One attempt of ``spec`` in a child process, killed after ``spec.timeout_s``."""
    context = multiprocessing.get_context("forkserver")
    # Takes effect when the fork server starts (the first attempt of this process).
    # Each child still runs the main script (the ``brokerguard`` console script), so
    # what that script imports is preloaded too, or every child would import it again.
    context.set_forkserver_preload([__name__, spec.run.__module__, *MAIN_SCRIPT_IMPORTS])
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=_child_main,
        args=(spec, settings, clock, sender),
        name=f"job {spec.name}",
        daemon=True,
    )
    process.start()
    sender.close()
    try:
        if receiver.poll(spec.timeout_s):
            try:
                result: AttemptResult = receiver.recv()
            except EOFError:
                process.join(5)
                return AttemptResult(None, f"job process exited with code {process.exitcode}")
            process.join(5)
            return result
        process.kill()
        process.join(5)
        return AttemptResult(None, f"timed out after {spec.timeout_s:g} s; stopped")
    finally:
        receiver.close()
        if process.is_alive():
            process.kill()
            process.join(5)
