"""Login detection from NATS JetStream (A9.3), against the real server: each event is
stored once and alerted once however often it is delivered; a worker killed after its
commit and before its acknowledgement doubles nothing; ``brokerguard worker`` turns a
brute force published to the stream into a webhook call without the one-minute job."""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import nats
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from brokerguard.audit import service as audit_service
from brokerguard.audit.models import AuditEventRow as Event
from brokerguard.clock import FixedClock, SystemClock
from brokerguard.config import Settings, get_settings
from brokerguard.db.engine import make_engine, session_factory, session_scope
from brokerguard.detect.models import DetectAlert
from brokerguard.detect.notices import detect_and_notify
from brokerguard.detect.settings import DetectSettings
from brokerguard.detect.stream import LoginStream, consume, publish_logins, stream_enabled
from brokerguard.detect.traces import attack_traces, login_event
from brokerguard.worker.child import RunContext
from brokerguard.worker.models import JobRun
from tests.cli_helpers import Cli, cli  # noqa: F401
from tests.detect.conftest import stream_env, stream_worker, the_one_login_alert
from tests.notify.helpers import add_channel
from tests.notify.receivers import webhook_receiver
from tests.worker.helpers import notices
from tests.worker.processes import wait_until

pytestmark = pytest.mark.nats

DAY = datetime(2026, 11, 25, tzinfo=UTC)
NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)


async def _last_rejected(config: LoginStream) -> dict[str, object]:
    nc = await nats.connect(config.url)
    try:
        message = await nc.jetstream().get_last_msg(config.stream, config.rejected_subject)
        return dict(json.loads(message.data or b"{}"))
    finally:
        await nc.close()


def _drain(engine: Engine, settings: Settings, clock: FixedClock) -> tuple[int, int, int, int]:
    """Consume what is pending: events stored, duplicates, refused, new alerts."""
    context = RunContext(settings, clock, session_factory(engine))
    stats = asyncio.run(
        consume(LoginStream.from_settings(settings), context, threading.Event(), until_drained=True)
    )
    return stats.stored, stats.duplicates, stats.rejected, stats.alerts


def _counts(engine: Engine) -> tuple[int, int]:
    with Session(engine) as session:
        events = session.scalar(select(func.count()).select_from(Event))
        alerts = session.scalar(select(func.count()).select_from(DetectAlert))
    return int(events or 0), int(alerts or 0)


def test_a_brute_force_from_the_stream_is_stored_and_alerted_once(
    engine: Engine, stream_settings: Settings
) -> None:
    clock = FixedClock(NOW)
    config = LoginStream.from_settings(stream_settings)
    brute = attack_traces(DAY)["login.brute_force"]
    other_system = login_event(DAY, "A100009").model_copy(update={"system": "crm"})
    garbage = {"event_id": "not-a-uuid", "time": "yesterday"}
    assert asyncio.run(publish_logins(config, [*brute, other_system, garbage])) == 14

    assert _drain(engine, stream_settings, clock) == (12, 0, 2, 1)
    assert _counts(engine) == (12, 1)
    [notice] = notices(engine, "login_alert")
    assert "12 event(s) for A100001" in notice.summary
    refused = asyncio.run(_last_rejected(config))
    assert refused["data"] == garbage  # kept with the reason, for the producer to fix
    assert refused["error"]["reason"]  # type: ignore[index]

    # the login service stored these already: the stream stores nothing twice
    with session_scope(session_factory(engine)) as session:
        more = [login_event(DAY + timedelta(hours=2), "A100002", success=False) for _ in range(3)]
        audit_service.append(session, clock, more)
    assert asyncio.run(publish_logins(config, more)) == 3
    assert _drain(engine, stream_settings, clock) == (0, 3, 0, 0)
    assert _counts(engine) == (15, 1)
    assert len(notices(engine, "login_alert")) == 1


def _consume_and_die_after_commit(settings: Settings) -> None:
    """In a forked child: consume one batch, commit, and end before acknowledging."""
    context = RunContext(
        settings, FixedClock(NOW), session_factory(make_engine(settings.database_url))
    )
    asyncio.run(
        consume(
            LoginStream.from_settings(settings), context, threading.Event(), crash_after_commit=1
        )
    )


def _stream_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in stream_env(settings).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv(
        "BROKERGUARD_DETECT__STREAM_ACK_WAIT_S", str(settings.detect.stream_ack_wait_s)
    )
    get_settings.cache_clear()


def test_a_consumer_killed_after_its_commit_doubles_nothing_on_redelivery(
    engine: Engine,
    stream_settings: Settings,
    cli: Cli,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = LoginStream.from_settings(stream_settings)
    assert asyncio.run(publish_logins(config, attack_traces(DAY)["login.brute_force"])) == 12

    child = multiprocessing.get_context("fork").Process(
        target=_consume_and_die_after_commit, args=(stream_settings,)
    )
    child.start()
    child.join(120)
    assert child.exitcode == 137
    assert _counts(engine) == (12, 1)  # committed, never acknowledged

    _stream_env(stream_settings, monkeypatch)
    code, output = cli("detect", "stream", "--until-drained")
    assert code == 0, output
    # at least the 12 again (more when a slow batch outlives the 1 s ack wait): all known
    found = re.search(
        r"messages (\d+), stored 0, duplicates (\d+), refused 0, new alerts 0", output
    )
    assert found is not None, output
    assert int(found[1]) >= 12 and found[1] == found[2]
    assert _counts(engine) == (12, 1)
    assert len(notices(engine, "login_alert")) == 1


def test_the_stream_command_without_nats_names_the_setting(cli: Cli) -> None:  # noqa: F811
    code, output = cli("detect", "stream")
    assert code == 1
    assert "BROKERGUARD_NATS_URL" in output


def test_the_consumer_runs_only_with_nats_configured(settings: Settings) -> None:
    assert not stream_enabled(settings)
    with_nats = settings.model_copy(update={"nats_url": "nats://127.0.0.1:4222"})
    assert stream_enabled(with_nats)
    off = with_nats.model_copy(update={"detect": DetectSettings(stream=False)})
    assert not stream_enabled(off)


def test_two_detection_runs_at_once_raise_one_alert(engine: Engine, settings: Settings) -> None:
    clock = FixedClock(NOW)
    factory = session_factory(engine)
    with session_scope(factory) as session:
        audit_service.append(session, clock, attack_traces(DAY)["login.brute_force"])

    def run(_: int) -> int:
        with session_scope(factory) as session:
            return detect_and_notify(session, clock, settings.detect).alerts_raised

    with ThreadPoolExecutor(2) as pool:
        raised = sorted(pool.map(run, range(2)))
    assert raised == [0, 1]
    assert _counts(engine) == (12, 1)
    assert len(notices(engine, "login_alert")) == 1


def test_the_worker_alerts_a_brute_force_from_the_stream_without_the_minute_job(
    engine: Engine, stream_settings: Settings
) -> None:
    config = LoginStream.from_settings(stream_settings)
    with webhook_receiver() as receiver:
        with session_factory(engine)() as session:
            add_channel(session, "soc", target=receiver.url, kinds=("login_alert",))
            session.commit()
        with stream_worker(stream_settings):
            now = SystemClock().now()
            burst = [
                login_event(now - timedelta(seconds=9 - i), "A100300", success=False, ip="45.9.1.7")
                for i in range(9)
            ]
            assert asyncio.run(publish_logins(config, burst)) == 9
            wait_until(lambda: bool(receiver.received), 90, "the login_alert webhook")
        the_one_login_alert(receiver, "A100300")
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(JobRun)) == 0
