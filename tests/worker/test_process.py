"""The worker as real processes (SQLite and PostgreSQL): two at once, SIGKILL in the middle
of deliveries, and a real brute force on the login API reaching a loopback webhook."""

from __future__ import annotations

import json
import signal
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.db.engine import session_factory
from brokerguard.notify.delivery import outbox_for
from brokerguard.notify.models import NotifyDelivery
from brokerguard.notify.outbox import notice_sink
from brokerguard.worker.models import JobRun
from tests.auth.test_api import LOGIN, make_customer
from tests.notify.helpers import a_notice, add_channel
from tests.notify.receivers import webhook_receiver
from tests.worker.helpers import all_runs
from tests.worker.processes import start_worker, wait_until, worker_once


@pytest.mark.slow  # two real worker processes, every job
def test_two_worker_processes_at_once_run_each_due_job_once(
    engine: Engine, settings: Settings
) -> None:
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: worker_once(settings), range(2)))
    for code, _, stderr in results:
        assert code == 0, stderr
    ran = [str(line["job"]) for _, lines, _ in results for line in lines]
    assert len(ran) == len(set(ran)), ran  # no job twice for its slot
    runs = all_runs(engine)
    assert sorted(r.job for r in runs) == sorted(ran)
    assert {r.status for r in runs} <= {"ok", "skipped"}
    assert "audit.seal" in ran and "detect.logins" in ran


def _statuses(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        rows = session.execute(
            select(NotifyDelivery.status, func.count()).group_by(NotifyDelivery.status)
        ).all()
    return {str(row[0]): int(row[1]) for row in rows}


@pytest.mark.slow  # a real worker process killed mid-delivery
def test_sigkill_in_the_middle_of_deliveries_loses_nothing(
    engine: Engine, settings: Settings, clock: FixedClock
) -> None:
    lease_s = 10.0  # the shortest lease the settings allow
    with webhook_receiver(delay_s=0.5) as receiver:
        with session_factory(engine)() as session:
            add_channel(session, "soc", target=receiver.url)
            sink = notice_sink(session, clock)
            for i in range(12):
                sink.notify(a_notice(f"detect.alert:{i}"))
            session.commit()
        fast_lease = {
            "BROKERGUARD_NOTIFY_LEASE_S": str(lease_s),
            "BROKERGUARD_NOTIFY_CONCURRENCY": "2",
        }
        worker = start_worker(settings, "--no-scheduler", **fast_lease)
        try:
            wait_until(lambda: len(receiver.received) >= 2, 240, "the first deliveries")
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait(30)
        killed_at = datetime.now(UTC)
        assert _statuses(engine).get("pending", 0) > 0  # killed before it recorded them all
        # the next worker pass, once the killed worker's leases have run out (the clock
        # moved past them rather than the test waiting for them): what the worker runs
        later = FixedClock(killed_at + timedelta(seconds=lease_s + 1))
        factory = session_factory(engine)
        outbox_for(settings, factory, later).deliver_due()
        assert _statuses(engine) == {"delivered": 12}
        ids = {json.loads(r.body)["id"] for r in receiver.received}
        assert len(ids) == 12  # every notice arrived; a resend carries the same id
        sent = len(receiver.received)
        again = outbox_for(settings, factory, FixedClock(later.now() + timedelta(hours=1)))
        assert again.deliver_due().total == 0
        assert len(receiver.received) == sent  # never again after a recorded success


@pytest.mark.slow  # a real worker process, every job
def test_a_brute_force_on_the_login_api_reaches_the_webhook(
    client: TestClient, engine: Engine, clock: FixedClock, settings: Settings
) -> None:
    make_customer(engine, clock, settings, account="A100200")
    for i in range(10):
        answer = client.post(LOGIN, json={"account": "A100200", "password": f"Guess-{i}-pass"})
        assert answer.status_code in (401, 423)
    with webhook_receiver() as receiver:
        with session_factory(engine)() as session:
            add_channel(session, "soc", target=receiver.url, kinds=("login_alert",))
            session.commit()
        code, lines, stderr = worker_once(settings)
        assert code == 0, stderr
        detection = next(line for line in lines if line["job"] == "detect.logins")
        assert "1 new alerts" in str(detection["summary"])
        bodies = [json.loads(r.body) for r in receiver.received]
    assert [b["kind"] for b in bodies] == ["login_alert"]
    [body] = bodies
    assert body["severity"] == "high"
    assert "A100200" in body["summary"]
    assert set(body) >= {"id", "kind", "severity", "title_zh", "title_en", "summary", "url"}
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(JobRun)) == len(lines)
