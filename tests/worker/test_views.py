"""The 排程作業 page: jobs with last and next run, failures first; run now by admin or
security only; alerts shown with their delivery attempts."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from brokerguard.clock import FixedClock
from brokerguard.db.engine import session_factory
from brokerguard.notify.models import NotifyAttempt, NotifyDelivery
from brokerguard.notify.outbox import notice_sink
from brokerguard.staff.roles import Role
from brokerguard.worker.models import JobRun
from tests.conftest import sign_in
from tests.notify.helpers import a_notice, add_channel
from tests.worker.helpers import all_runs


def _seed(engine: Engine, clock: FixedClock) -> None:
    now = clock.now()
    with session_factory(engine)() as session:
        session.add_all(
            [
                JobRun(
                    job="audit.seal",
                    slot="2026-11-26T01:59Z",
                    trigger="schedule",
                    status="ok",
                    queued_at=now - timedelta(minutes=1),
                    started_at=now - timedelta(minutes=1),
                    finished_at=now - timedelta(seconds=58),
                    summary="sealed 1 batch(es), tree size 40",
                ),
                JobRun(
                    job="detect.logins",
                    slot="2026-11-26T01:59Z",
                    trigger="schedule",
                    status="failed",
                    queued_at=now - timedelta(minutes=1),
                    started_at=now - timedelta(minutes=1),
                    finished_at=now - timedelta(seconds=50),
                    error="OperationalError: database is locked",
                ),
            ]
        )
        channel = add_channel(session, "soc-webhook")
        notice_sink(session, clock).notify(a_notice())
        session.flush()
        delivery = session.query(NotifyDelivery).one()
        session.add(
            NotifyAttempt(
                delivery_id=delivery.id,
                number=1,
                started_at=now,
                finished_at=now,
                ok=False,
                status_code=503,
                error="HTTP 503",
                worker="w1",
            )
        )
        assert channel.name == "soc-webhook"
        session.commit()


def test_the_page_lists_failures_first_and_alerts_with_attempts(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    _seed(engine, clock)
    sign_in(client, engine, clock, Role.auditor)
    page = client.get("/jobs", headers={"Accept-Language": "zh-TW"})
    assert page.status_code == 200
    text = page.text
    assert "排程作業" in text
    assert text.index("detect.logins") < text.index("audit.seal")  # the failing job first
    assert "OperationalError: database is locked" in text
    assert "soc-webhook" in text and "HTTP 503" in text
    assert "立即執行" not in text  # an auditor may not run jobs


def test_security_queues_a_run_for_the_workers_and_others_may_not(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    sign_in(client, engine, clock, Role.compliance)
    refused = client.post(
        "/jobs/audit.seal/run", data={"csrf_token": client.headers["X-CSRF-Token"]}
    )
    assert refused.status_code == 403
    client.cookies.clear()
    del client.headers["X-CSRF-Token"]
    token = sign_in(client, engine, clock, Role.security)
    queued = client.post("/jobs/audit.seal/run", data={"csrf_token": token}, follow_redirects=False)
    assert queued.status_code == 303
    [run] = all_runs(engine)
    assert (run.job, run.trigger, run.status, run.requested_by) == (
        "audit.seal",
        "manual",
        "queued",
        "web:security-user",
    )
    unknown = client.post("/jobs/no.such/run", data={"csrf_token": token})
    assert unknown.status_code == 404
    assert "unknown job &#39;no.such&#39;" in unknown.text
    with Session(engine) as session:
        assert session.query(JobRun).count() == 1


def test_statuses_triggers_and_severities_read_in_the_pages_language(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    """Before: ``failed``, ``ok``, ``schedule`` and ``high`` as stored on the zh-TW page."""
    _seed(engine, clock)
    sign_in(client, engine, clock, Role.auditor)
    cells = re.compile(r"<td>([^<]*)</td>")
    zh = cells.findall(client.get("/jobs").text)
    assert "失敗" in zh and "排程" in zh
    assert not {"failed", "ok", "skipped", "schedule", "manual", "high", "medium"} & set(zh)
    english = cells.findall(client.get("/jobs?lang=en").text)
    assert "Failed" in english and "Schedule" in english
