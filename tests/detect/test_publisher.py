"""brokerguard's own login service publishes its committed login events to the NATS
login stream (A9.3): a brute force over real HTTP reaches a webhook through a running
worker without the one-minute job, and that job then counts nothing twice; with NATS
down logins still answer and the job catches up; a rolled-back login publishes nothing.
Needs NATS at 127.0.0.1:4222 where marked (skipped when down unless CI=true)."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import httpx
import nats
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from brokerguard.audit.sink import TransactionalAuditSink
from brokerguard.clock import FixedClock, SystemClock
from brokerguard.config import Settings
from brokerguard.db.engine import session_factory
from brokerguard.detect.jobs import JOBS
from brokerguard.detect.models import DetectAlert
from brokerguard.detect.publisher import LoginPublisher, login_publisher
from brokerguard.detect.settings import DetectSettings
from brokerguard.detect.stream import LoginStream
from brokerguard.detect.traces import login_event
from brokerguard.notify.delivery import outbox_for
from brokerguard.web.app import create_app
from brokerguard.worker.models import JobRun
from tests.auth.test_api import LOGIN, make_customer
from tests.detect.conftest import stream_worker, the_one_login_alert
from tests.faults import audit_appends_blocked
from tests.notify.helpers import add_channel
from tests.notify.receivers import webhook_receiver
from tests.stored_audit import stored_events
from tests.worker.helpers import notices, run_job
from tests.worker.processes import wait_until

[DETECT_LOGINS] = [job for job in JOBS if job.name == "detect.logins"]


@contextmanager
def served(app: FastAPI) -> Iterator[str]:
    """``app`` on a loopback port (real HTTP, its lifespan included)."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_until(lambda: server.started, 60, "the web app")
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)


def _publisher(app: FastAPI) -> LoginPublisher:
    found = app.state.web_services["detect.login_publisher"]
    assert isinstance(found, LoginPublisher)
    return found


def _app_for(engine: Engine, settings: Settings, account: str) -> tuple[FastAPI, LoginPublisher]:
    """The web app (real clock) with its login publisher, and a customer ``account``."""
    make_customer(engine, FixedClock(SystemClock().now()), settings, account=account)
    app = create_app(settings, engine=engine)
    return app, _publisher(app)


def _guess(post: object, account: str, attempts: int) -> None:
    """Wrong passwords for ``account``: each answered at once, never an error."""
    for i in range(attempts):
        answer = post(LOGIN, json={"account": account, "password": f"Guess-{i}-pass"})  # type: ignore[operator]
        assert answer.status_code in (401, 423, 429), answer.text


def _alerts(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(DetectAlert)) or 0)


@pytest.mark.slow  # a real worker process
@pytest.mark.nats
def test_a_brute_force_on_the_login_api_reaches_the_webhook_through_the_stream(
    engine: Engine, stream_settings: Settings
) -> None:
    app, publisher = _app_for(engine, stream_settings, "A100300")
    with webhook_receiver() as receiver:
        with session_factory(engine)() as session:
            add_channel(session, "soc", target=receiver.url, kinds=("login_alert",))
            session.commit()
        with stream_worker(stream_settings), served(app) as url:
            with httpx.Client(base_url=url, trust_env=False) as http:
                _guess(http.post, "A100300", 10)
            wait_until(lambda: bool(receiver.received), 90, "the login_alert webhook")
            assert publisher.wait_idle(30)
        the_one_login_alert(receiver, "A100300")
    stats = publisher.stats
    assert (stats.offered, stats.published, stats.dropped, stats.failed) == (10, 10, 0, 0)
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(JobRun)) == 0
    # the one-minute job sees the same events afterwards: nothing new, nothing twice
    outcome = run_job(DETECT_LOGINS, stream_settings, FixedClock(SystemClock().now()))
    assert outcome.summary == "no new login events"  # the stream has seen them all
    assert _alerts(engine) == 1
    assert len(notices(engine, "login_alert")) == 1


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_with_nats_down_logins_still_answer_and_the_minute_job_catches_up(
    engine: Engine, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    down = settings.model_copy(
        update={
            "nats_url": f"nats://127.0.0.1:{_closed_port()}",
            "detect": DetectSettings(publish_queue=3),
        }
    )
    app, publisher = _app_for(engine, down, "A100400")
    caplog.set_level(logging.WARNING, logger="brokerguard.detect.publisher")
    with TestClient(app, base_url="http://127.0.0.1") as client:
        _guess(client.post, "A100400", 10)
    stats = publisher.stats
    assert stats.offered == 10 and stats.published == 0
    assert stats.dropped >= 10 - 3  # the queue holds 3; the rest counted, never waited for
    assert "login event(s) dropped so far" in caplog.text
    with webhook_receiver() as receiver:
        with session_factory(engine)() as session:
            add_channel(session, "soc", target=receiver.url, kinds=("login_alert",))
            session.commit()
        clock = FixedClock(SystemClock().now())
        outcome = run_job(DETECT_LOGINS, down, clock)
        assert "1 new alerts" in outcome.summary
        outbox_for(down, session_factory(engine), clock).deliver_due()
        the_one_login_alert(receiver, "A100400")


async def _stored_ids(config: LoginStream) -> list[str]:
    """The event IDs the stream holds, oldest first."""
    nc = await nats.connect(config.url)
    try:
        js = nc.jetstream()
        info = await js.stream_info(config.stream)
        ids = []
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            message = await js.get_msg(config.stream, seq)
            ids.append(str(json.loads(message.data or b"{}")["event_id"]))
        return ids if info.state.messages else []
    finally:
        await nc.close()


@pytest.mark.nats
def test_only_committed_login_events_are_published(
    engine: Engine, stream_settings: Settings
) -> None:
    publisher = login_publisher(stream_settings, engine)
    assert publisher is not None
    clock = SystemClock()
    now = clock.now() - timedelta(seconds=5)
    rolled_back = login_event(now, "A100500", success=False)
    committed = login_event(now, "A100500", success=False)
    other_system = login_event(now, "A100500", success=False).model_copy(update={"system": "crm"})
    try:
        with session_factory(engine)() as session:
            sink = TransactionalAuditSink(session, clock, stream_settings.audit)
            sink.record(rolled_back)
            session.rollback()  # the login's transaction did not commit
            sink.record(committed)
            session.commit()
        with session_factory(engine)() as session:
            TransactionalAuditSink(session, clock, stream_settings.audit).record(other_system)
            session.commit()  # stored, but not a login event of the e-trading system
        assert publisher.wait_idle(30)
    finally:
        publisher.close()
    stats = publisher.stats
    assert (stats.offered, stats.published) == (1, 1)
    config = LoginStream.from_settings(stream_settings)
    assert asyncio.run(_stored_ids(config)) == [str(committed.event_id)]


def test_the_web_app_publishes_only_with_the_stream_on(engine: Engine, settings: Settings) -> None:
    assert "detect.login_publisher" not in create_app(settings, engine=engine).state.web_services
    with_nats = settings.model_copy(update={"nats_url": "nats://127.0.0.1:4222"})
    app = create_app(with_nats, engine=engine)
    _publisher(app).close()
    off = with_nats.model_copy(update={"detect": DetectSettings(publish_logins=False)})
    assert "detect.login_publisher" not in create_app(off, engine=engine).state.web_services


@pytest.mark.nats
def test_a_login_whose_transaction_rolls_back_publishes_nothing(
    engine: Engine, stream_settings: Settings
) -> None:
    app, publisher = _app_for(engine, stream_settings, "A100600")
    wrong = {"account": "A100600", "password": "Not-the-password-1"}
    with TestClient(app, base_url="http://127.0.0.1") as client:
        with audit_appends_blocked(engine):  # the database refuses: the login rolls back
            assert client.post(LOGIN, json=wrong).status_code == 503
        assert publisher.stats.offered == 0
        assert client.post(LOGIN, json=wrong).status_code == 401
        assert publisher.wait_idle(30)
    assert (publisher.stats.offered, publisher.stats.published) == (1, 1)
    [stored] = stored_events(engine)
    config = LoginStream.from_settings(stream_settings)
    assert asyncio.run(_stored_ids(config)) == [str(stored.event_id)]
