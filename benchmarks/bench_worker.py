"""The worker: outbox delivery rate and alert latency.

1. ``notify_per_s``: deliveries per second from the outbox to a loopback webhook
   (``Outbox.deliver_due`` with the default settings; each delivery a real HTTP POST
   and its attempt recorded). Target >= 500/s. Its ``baseline``, measured in the same
   run against the same receiver: plain httpx POSTs per second with the outbox's
   concurrency and no database (what the receiver and the machine allow at all).
2. ``alert_latency_p95_s``: ``brokerguard worker`` running; a burst of failed password
   steps on one account (the events the login service records) and the time from the
   failure that crosses the brute-force threshold to the webhook receiving the
   ``login_alert``, once per burst, on both paths:
   - ``alert_latency_p95_s.jetstream``: NATS JetStream configured; each failure is
     published to the login stream as it happens (target <= 5 s);
   - ``alert_latency_p95_s.minute_job``: no NATS; the failures are appended to the
     audit trail and the one-minute ``detect.logins`` job finds them (target <= 65 s);
   - ``alert_latency_p95_s.login_api_jetstream``: NATS configured and ``brokerguard
     serve`` running: wrong passwords sent over real HTTP to the app's own login API
     (``POST /api/v1/etrade/login``), whose login service publishes each committed
     failure to the stream; from sending the attempt that crosses the threshold to the
     webhook receipt (target <= 5 s).

Each path starts its worker on a fresh database and waits for its first round of
jobs to finish before the first burst. Environment: ``BENCH_WORKER_NOTICES``
(default 3000), ``BENCH_WORKER_ALERTS`` (bursts on the one-minute path, default 3),
``BENCH_WORKER_STREAM_ALERTS`` (bursts on the JetStream path, default 10),
``BENCH_WORKER_API_ALERTS`` (bursts through the login API, default 10),
``BENCH_WORKER_NATS_URL`` (default nats://127.0.0.1:4222).
SQLite in a temporary folder.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path

import httpx
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from benchmarks.metric import Metric
from brokerguard import natsio
from brokerguard.audit import service as audit_service
from brokerguard.auth.events import RequestMeta
from brokerguard.auth.lifecycle import CredentialService
from brokerguard.auth.passwords import PasswordPolicy
from brokerguard.auth.secretbox import SecretBox
from brokerguard.auth.settings import AuthSettings
from brokerguard.clock import SystemClock
from brokerguard.config import Settings
from brokerguard.db import migrate
from brokerguard.db.engine import make_engine, session_factory, session_scope
from brokerguard.detect.stream import LoginStream
from brokerguard.detect.traces import login_event
from brokerguard.kernel.audit import AuditEvent, MemoryAuditSink
from brokerguard.kernel.notices import Notice, NoticeKind, Severity
from brokerguard.notify import service
from brokerguard.notify.delivery import outbox_for
from brokerguard.notify.outbox import notice_sink
from brokerguard.notify.secrets import secret_box
from brokerguard.notify.settings import NotifySettings
from brokerguard.worker.models import JobRun

NAME = "worker"
BRUTE_FORCE_THRESHOLD = 8  # detect/rules/brute_force.yaml


class LoopbackServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # the senders open their connections at once


@contextmanager
def receiver() -> Iterator[tuple[str, list[tuple[float, dict[str, object]]]]]:
    got: list[tuple[float, dict[str, object]]] = []
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with lock:
                got.append((time.time(), json.loads(body)))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            return

    server = LoopbackServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", got
    finally:
        server.shutdown()
        server.server_close()


def _database(folder: Path) -> Settings:
    settings = Settings(database_url=f"sqlite:///{folder}/bench.db", data_dir=folder / "var")
    engine = make_engine(settings.database_url)
    migrate.upgrade(engine)
    engine.dispose()
    return settings


def _channel(settings: Settings, url: str, kind: str) -> None:
    engine = make_engine(settings.database_url)
    clock = SystemClock()
    with session_scope(session_factory(engine)) as session:
        service.add_channel(
            session,
            clock,
            secret_box(settings.data_dir),
            name="bench",
            type_="webhook",
            target=url,
            format_="json",
            secret="",
            by="bench",
        )
        service.add_route(session, clock, channel="bench", kind=kind, min_severity="low")
    engine.dispose()


def _count_posts(port: Connection, received: Synchronized[int]) -> None:
    """A loopback webhook in a process of its own (as a real receiver is), counting."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with received.get_lock():
                received.value += 1
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            return

    server = LoopbackServer(("127.0.0.1", 0), Handler)
    port.send(server.server_address[1])
    server.serve_forever()


@contextmanager
def counting_receiver() -> Iterator[tuple[str, Synchronized[int]]]:
    context = multiprocessing.get_context("fork")
    received: Synchronized[int] = context.Value("i", 0)
    parent, child = context.Pipe(duplex=False)
    process = context.Process(target=_count_posts, args=(child, received), daemon=True)
    process.start()
    try:
        yield f"http://127.0.0.1:{parent.recv()}/hook", received
    finally:
        process.kill()
        process.join()


def raw_posts_per_s(url: str, count: int, concurrency: int) -> float:
    """The baseline: ``count`` POSTs of a webhook-sized body with one httpx client and
    ``concurrency`` threads, no database."""
    body = json.dumps({"id": "x" * 36, "summary": "bench " * 40}).encode()
    with httpx.Client(
        limits=httpx.Limits(max_connections=concurrency * 2), trust_env=False
    ) as client:

        def post(_: int) -> int:
            return client.post(url, content=body).status_code

        started = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            codes = list(pool.map(post, range(count)))
        elapsed = time.perf_counter() - started
    if codes.count(200) != count:
        raise RuntimeError(f"baseline: {count - codes.count(200)} POSTs failed")
    return count / elapsed


def notify_rate(count: int) -> list[Metric]:
    with tempfile.TemporaryDirectory() as tmp, counting_receiver() as (url, received):
        baseline = raw_posts_per_s(url, count, NotifySettings().concurrency)
        received.value = 0
        settings = _database(Path(tmp))
        _channel(settings, url, "*")
        engine = make_engine(settings.database_url)
        clock = SystemClock()
        with session_scope(session_factory(engine)) as session:
            sink = notice_sink(session, clock)
            for i in range(count):
                sink.notify(
                    Notice(
                        kind=NoticeKind.login_alert,
                        severity=Severity.high,
                        title_zh="登入失敗次數過多",
                        title_en="Too many failed logins",
                        summary=f"bench notice {i}",
                        occurred_at=clock.now(),
                        dedupe_key=f"bench:{i}",
                    )
                )
        outbox = outbox_for(settings, session_factory(engine), clock)
        started = time.perf_counter()
        report = outbox.deliver_due()
        elapsed = time.perf_counter() - started
        engine.dispose()
        if received.value < report.sent:
            raise RuntimeError(f"recorded {report.sent} sent, receiver got {received.value}")
    return [
        Metric(NAME, "notify_per_s", report.sent / elapsed, "deliveries/s", ">= 500", baseline),
        Metric(NAME, "notify_failed", report.failed, "deliveries", f"0 of {count}"),
    ]


def _burst(account: str) -> list[AuditEvent]:
    """Failed password steps on ``account``, the last one crossing the threshold."""
    return [
        login_event(datetime.now(UTC), account, success=False, ip="45.9.1.7")
        for _ in range(BRUTE_FORCE_THRESHOLD)
    ]


def alert_latency(bursts: int, nats_url: str | None, *, login_api: bool = False) -> list[Metric]:
    """With ``nats_url``: each failure published to the login stream as it happens
    (``login_api``: by the app's login service, the failures sent over HTTP);
    without: appended to the trail, for the one-minute job."""
    latencies: list[float] = []
    tag = uuid.uuid4().hex[:8]
    with tempfile.TemporaryDirectory() as tmp, receiver() as (url, got):
        settings = _database(Path(tmp))
        _channel(settings, url, "login_alert")
        env = {k: v for k, v in os.environ.items() if not k.startswith("BROKERGUARD_")}
        env.update(
            BROKERGUARD_DATABASE_URL=settings.database_url,
            BROKERGUARD_DATA_DIR=str(settings.data_dir),
        )
        stream: LoginStream | None = None
        if nats_url:
            env.update(
                BROKERGUARD_NATS_URL=nats_url,
                BROKERGUARD_DETECT__STREAM_NAME=f"BENCH_LOGINS_{tag}",
                BROKERGUARD_DETECT__STREAM_SUBJECT=f"bench.{tag}.logins",
                BROKERGUARD_DETECT__STREAM_DURABLE=f"bench-{tag}",
            )
            stream = LoginStream(
                nats_url, f"BENCH_LOGINS_{tag}", f"bench.{tag}.logins", f"bench-{tag}", 500, 30.0
            )
        accounts = [f"B{burst:06d}" for burst in range(bursts)]
        processes = [_start(["worker"], env)]
        engine = make_engine(settings.database_url)
        clock = SystemClock()
        try:
            api: httpx.Client | None = None
            if login_api:
                _customers(engine, settings, accounts)
                port = _free_port()
                processes.append(_start(["serve", "--port", str(port), "--no-access-log"], env))
                api = _http_up(f"http://127.0.0.1:{port}")
            _first_round_done(engine)
            for burst, account in enumerate(accounts):
                if api is not None:
                    crossed = _guess_over_http(api, account)
                elif stream is not None:
                    asyncio.run(natsio.publish_events(stream.events, _burst(account)))
                    crossed = time.time()
                else:
                    with session_scope(session_factory(engine)) as session:
                        audit_service.append(session, clock, _burst(account))
                    crossed = time.time()
                deadline = crossed + 180
                while time.time() < deadline:
                    hits = [t for t, body in got if account in str(body.get("summary", ""))]
                    if hits:
                        latencies.append(hits[0] - crossed)
                        break
                    time.sleep(0.05)
                else:
                    raise RuntimeError(f"no login_alert for {account} within 180 s")
                time.sleep(7 * (burst + 1) % 23)  # spread the bursts over the minute
        finally:
            for process in processes:
                process.terminate()
                process.wait(60)
            engine.dispose()
            if stream is not None:
                asyncio.run(_drop_stream(stream))
    latencies.sort()
    p95 = latencies[min(len(latencies) - 1, round(0.95 * (len(latencies) - 1)))]
    path, target = ("jetstream", "<= 5") if nats_url else ("minute_job", "<= 65")
    if login_api:
        path = "login_api_jetstream"
    return [
        Metric(NAME, f"alert_latency_p95_s.{path}", p95, "s", target),
        Metric(NAME, f"alert_latency_max_s.{path}", latencies[-1], "s", f"{len(latencies)} bursts"),
    ]


def _start(command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "brokerguard", *command],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _http_up(base_url: str, timeout_s: float = 300) -> httpx.Client:
    """A client of ``brokerguard serve`` once it answers ``/healthz``."""
    client = httpx.Client(base_url=base_url, trust_env=False, timeout=60)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if client.get("/healthz").status_code == 200:
                return client
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"brokerguard serve did not answer within {timeout_s} s")


def _customers(engine: Engine, settings: Settings, accounts: list[str]) -> None:
    """E-trading customers with a password (the app's default password hashing)."""
    auth = AuthSettings()
    with session_scope(session_factory(engine)) as session:
        creds = CredentialService(
            session=session,
            clock=SystemClock(),
            sink=MemoryAuditSink(),
            auth=auth,
            secrets=SecretBox(settings.data_dir, auth.seed_key_version),
            policy=PasswordPolicy.from_settings(auth),
        )
        meta = RequestMeta.cli("bench")
        for account in accounts:
            creds.create_customer(account, "Bench-password-2026", meta)


def _guess_over_http(api: httpx.Client, account: str) -> float:
    """Wrong passwords on ``account`` over HTTP; when the one crossing the brute-force
    threshold was sent."""
    sent = time.time()
    for i in range(BRUTE_FORCE_THRESHOLD):
        sent = time.time()
        answer = api.post(
            "/api/v1/etrade/login", json={"account": account, "password": f"Wrong-guess-{i}"}
        )
        if answer.status_code not in (401, 423, 429):
            raise RuntimeError(f"login answered {answer.status_code}: {answer.text[:200]}")
    return sent


def _first_round_done(engine: Engine, timeout_s: float = 600) -> None:
    """Wait until the worker has run every job of its first round (a fresh database
    counts every job as due), so the bursts meet the worker's steady state."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with Session(engine) as session:
            total = session.scalar(select(func.count()).select_from(JobRun)) or 0
            busy = session.scalar(
                select(func.count())
                .select_from(JobRun)
                .where(JobRun.status.in_(("queued", "running")))
            )
        if total and not busy:
            return
        time.sleep(1)
    raise RuntimeError(f"the worker's first round did not finish within {timeout_s} s")


async def _drop_stream(stream: LoginStream) -> None:
    import nats

    nc = await nats.connect(stream.url)
    try:
        await nc.jetstream().delete_stream(stream.stream)
    finally:
        await nc.close()


def run() -> list[Metric]:
    count = int(os.environ.get("BENCH_WORKER_NOTICES", "3000"))
    bursts = int(os.environ.get("BENCH_WORKER_ALERTS", "3"))
    stream_bursts = int(os.environ.get("BENCH_WORKER_STREAM_ALERTS", "10"))
    api_bursts = int(os.environ.get("BENCH_WORKER_API_ALERTS", "10"))
    nats_url = os.environ.get("BENCH_WORKER_NATS_URL", "nats://127.0.0.1:4222")
    return [
        *notify_rate(count),
        *alert_latency(stream_bursts, nats_url),
        *alert_latency(api_bursts, nats_url, login_api=True),
        *alert_latency(bursts, None),
    ]
