"""The phishing.ct_poll job: declared every minute, polls the followed logs in units of work."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from brokerguard.clock import Clock, FixedClock
from brokerguard.config import Settings
from brokerguard.db.engine import session_factory
from brokerguard.errors import BrokerguardError
from brokerguard.phishing.brands import load_brands
from brokerguard.phishing.ct.client import RFC6962Client
from brokerguard.phishing.ct.monitor import add_log, http_client
from brokerguard.phishing.jobs import JOBS, poll_ct_logs
from brokerguard.phishing.registry import save_brands
from tests.phishing.conftest import BRANDS_FILE
from tests.phishing.ctlog import FakeLog, LoopbackLog


@dataclass
class _Context:
    engine: Engine
    settings: Settings
    clock: Clock

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        with session_factory(self.engine)() as session, session.begin():
            yield session


def test_jobs_are_declared() -> None:
    jobs = {j.name: j for j in JOBS}
    assert jobs["phishing.ct_poll"].schedule == "* * * * *"
    assert jobs["phishing.ct_poll"].requirement_ids == ("A8.1",)
    assert jobs["phishing.app_store_scan"].schedule == "30 3 * * *"  # daily
    assert jobs["phishing.app_store_scan"].requirement_ids == ("A6.3.1.3",)


def test_ct_poll_job_runs_and_fails_on_a_bad_log(
    engine: Engine, settings: Settings, clock: FixedClock, tmp_path: Path
) -> None:
    context = _Context(engine, settings, clock)
    assert poll_ct_logs(context).skipped
    state = FakeLog()
    with LoopbackLog(state) as log:
        with context.unit_of_work() as session, http_client() as http:
            save_brands(session, clock, load_brands(BRANDS_FILE))
            add_log(session, clock, name="loop", url=log.url, public_key_pem=state.public_pem(),
                    client=RFC6962Client(log.url, http))  # fmt: skip
        state.add(["yuanta-login.top"])
        outcome = poll_ct_logs(context)
        assert outcome.figures["flagged"] == 1 and outcome.figures["entries"] == 1
        state.bad_signature = True
        with pytest.raises(BrokerguardError, match="bad signature"):
            poll_ct_logs(context)
