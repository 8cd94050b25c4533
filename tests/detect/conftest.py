"""A login stream of each test's own on the real NATS server (127.0.0.1:4222)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from brokerguard.config import Settings
from brokerguard.detect.settings import DetectSettings
from tests.nats_helpers import drop_stream, require_nats
from tests.notify.receivers import WebhookReceiver
from tests.worker.processes import start_worker


@pytest.fixture
def stream_settings(settings: Settings) -> Iterator[Settings]:
    """The test database with a stream, subject and consumer of its own, dropped after."""
    tag = uuid.uuid4().hex[:10]
    detect = DetectSettings(
        stream_name=f"BGTEST_LOGINS_{tag}",
        stream_subject=f"bgtest.{tag}.logins",
        stream_durable=f"detect-{tag}",
        stream_batch=50,
        stream_ack_wait_s=1,
    )
    chosen = settings.model_copy(update={"nats_url": require_nats(), "detect": detect})
    yield chosen
    drop_stream(detect.stream_name, str(chosen.nats_url))


def stream_env(settings: Settings) -> dict[str, str]:
    """The environment that gives a ``brokerguard`` process ``settings``' login stream."""
    d = settings.detect
    return {
        "BROKERGUARD_NATS_URL": str(settings.nats_url),
        "BROKERGUARD_DETECT__STREAM_NAME": d.stream_name,
        "BROKERGUARD_DETECT__STREAM_SUBJECT": d.stream_subject,
        "BROKERGUARD_DETECT__STREAM_DURABLE": d.stream_durable,
    }


@contextmanager
def stream_worker(settings: Settings) -> Iterator[None]:
    """``brokerguard worker --no-scheduler`` on ``settings``' login stream: no job runs,
    so an alert can only come through the stream."""
    worker = start_worker(settings, "--no-scheduler", **stream_env(settings))
    try:
        yield
    finally:
        worker.terminate()
        _, stderr = worker.communicate(timeout=60)
    assert "consumers detect.login_stream" in stderr


def the_one_login_alert(receiver: WebhookReceiver, account: str) -> None:
    """The webhook got one ``login_alert``, about ``account``."""
    bodies = [json.loads(r.body) for r in receiver.received]
    assert [b["kind"] for b in bodies] == ["login_alert"]
    assert account in str(bodies[0]["summary"])
