"""Loopback receivers for the notify tests: a webhook, a syslog collector, SMTP with
STARTTLS (aiosmtpd). Each records what it got."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import socketserver
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class WebhookReceiver:
    """Answers with ``statuses`` in turn (then 200), after ``delay_s``."""

    statuses: list[int] = field(default_factory=list)
    delay_s: float = 0.0
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""


@contextmanager
def webhook_receiver(
    statuses: list[int] | None = None, delay_s: float = 0.0
) -> Iterator[WebhookReceiver]:
    state = WebhookReceiver(list(statuses or []), delay_s)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if state.delay_s:
                time.sleep(state.delay_s)
            with state.lock:
                state.received.append(Received(dict(self.headers.items()), body))
                status = state.statuses.pop(0) if state.statuses else 200
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class SyslogCollector:
    lines: list[bytes] = field(default_factory=list)
    port: int = 0


@contextmanager
def syslog_collector(transport: str) -> Iterator[SyslogCollector]:
    state = SyslogCollector()
    server: socketserver.BaseServer
    if transport == "udp":

        class UdpHandler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                state.lines.append(self.request[0])

        server = socketserver.ThreadingUDPServer(("127.0.0.1", 0), UdpHandler)
    else:

        class TcpHandler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                data = self.rfile.read()
                while data:  # octet-counted frames: "<len> <message>"
                    length, _, rest = data.partition(b" ")
                    size = int(length)
                    state.lines.append(rest[:size])
                    data = rest[size:]

        server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), TcpHandler)
    server.daemon_threads = True
    state.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key (the test trusts the certificate as CA)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "smtp.crt", directory / "smtp.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@dataclass
class Mailbox:
    messages: list[Envelope] = field(default_factory=list)
    port: int = 0
    tls_sessions: int = 0


@contextmanager
def smtp_server(directory: Path, *, starttls: bool = True) -> Iterator[Mailbox]:
    box = Mailbox()

    class Handler:
        async def handle_DATA(  # noqa: N802 (aiosmtpd calls it by this name)
            self, server: SMTP, session: Session, envelope: Envelope
        ) -> str:
            if session.ssl is not None:
                box.tls_sessions += 1
            box.messages.append(envelope)
            return "250 OK"

    context = None
    if starttls:
        cert, key = self_signed(directory)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(
        Handler(),
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=starttls,
    )
    controller.start()
    box.port = port
    try:
        yield box
    finally:
        controller.stop()
