"""A9.4: a real handshake against a loopback TLS server with a certificate made here."""

from __future__ import annotations

import ipaddress
import socket
import ssl
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from brokerguard.auth.tls import probe_tls
from brokerguard.errors import ValidationError
from tests.auth.pki import name

NOW = datetime.now(UTC).replace(microsecond=0)
"""OpenSSL checks the certificate against the system clock: build it relative to now."""


def server_cert(directory: Path, *, not_after: datetime) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name("127.0.0.1"))
        .issuer_name(name("127.0.0.1"))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=30))
        .not_valid_after(not_after)
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path = directory / "server.pem"
    key_path = directory / "server.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class LoopbackTls:
    def __init__(self, cert: Path, key: Path, max_version: ssl.TLSVersion | None = None) -> None:
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert, key)
        if max_version is not None:
            self.context.maximum_version = max_version
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(10)
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        try:
            conn, _ = self.sock.accept()
        except OSError:
            return
        try:
            with self.context.wrap_socket(conn, server_side=True) as tls:
                tls.recv(1)
        except (ssl.SSLError, OSError):
            pass

    def close(self) -> None:
        self.sock.close()
        self.thread.join(timeout=10)


@pytest.fixture
def certs(tmp_path: Path) -> tuple[Path, Path]:
    return server_cert(tmp_path, not_after=NOW + timedelta(days=90))


@pytest.fixture
def server(certs: tuple[Path, Path]) -> Iterator[LoopbackTls]:
    srv = LoopbackTls(*certs)
    yield srv
    srv.close()


def test_handshake_reports_protocol_cipher_and_expiry(
    server: LoopbackTls, certs: tuple[Path, Path]
) -> None:
    report = probe_tls("127.0.0.1", server.port, now=NOW, ca_file=certs[0])
    assert report.ok, report.error
    assert report.protocol in ("TLSv1.2", "TLSv1.3")
    assert report.cipher
    assert report.days_left == 90


def test_untrusted_certificate_fails(server: LoopbackTls) -> None:
    report = probe_tls("127.0.0.1", server.port, now=NOW)
    assert not report.ok and "certificate" in report.error


def test_expired_certificate_fails(server: LoopbackTls, certs: tuple[Path, Path]) -> None:
    report = probe_tls("127.0.0.1", server.port, now=NOW + timedelta(days=91), ca_file=certs[0])
    assert not report.ok and "expired" in report.error
    assert report.days_left == -1


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_server_capped_below_tls12_fails(certs: tuple[Path, Path]) -> None:
    srv = LoopbackTls(*certs, max_version=ssl.TLSVersion.TLSv1_1)
    try:
        report = probe_tls("127.0.0.1", srv.port, now=NOW, ca_file=certs[0])
    finally:
        srv.close()
    assert not report.ok and report.protocol == ""


def test_nothing_listening_fails() -> None:
    sock = socket.create_server(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    report = probe_tls("127.0.0.1", port, now=NOW, timeout_s=2)
    assert not report.ok and report.error


@pytest.mark.parametrize(
    ("host", "port"),
    [("", 443), ("a b", 443), ("x" * 300, 443), ("127.0.0.1", 0), ("127.0.0.1", 70000)],
)
def test_bad_endpoints(host: str, port: int) -> None:
    with pytest.raises(ValidationError):
        probe_tls(host, port, now=NOW)
