"""The transport check (A9.4): a real TLS handshake against the configured endpoint.

Reports the negotiated protocol, cipher and the server certificate's expiry. A
protocol below TLS 1.2, a certificate that does not verify or has expired fails.
"""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography import x509

from brokerguard.errors import ValidationError

ACCEPTED_PROTOCOLS = ("TLSv1.2", "TLSv1.3")


@dataclass(frozen=True)
class TlsReport:
    host: str
    port: int
    ok: bool
    protocol: str = ""
    cipher: str = ""
    not_after: datetime | None = None
    days_left: int | None = None
    error: str = ""


def probe_tls(
    host: str,
    port: int,
    *,
    now: datetime,
    ca_file: Path | None = None,
    timeout_s: float = 5.0,
) -> TlsReport:
    """Connect, verify the certificate (system CAs or ``ca_file``) and the host name."""
    if not host or len(host) > 253 or any(c.isspace() for c in host):
        raise ValidationError("host must be a host name or IP address", field="host")
    if not 0 < port < 65536:
        raise ValidationError("port must be 1-65535", field="port")
    context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    # the default context refuses anything below TLS 1.2: such a server fails the handshake
    try:
        with (
            socket.create_connection((host, port), timeout=timeout_s) as raw,
            context.wrap_socket(raw, server_hostname=host) as tls,
        ):
            protocol = tls.version() or ""
            cipher = (tls.cipher() or ("", "", 0))[0]
            der = tls.getpeercert(binary_form=True)
    except ssl.SSLCertVerificationError as exc:
        return TlsReport(host, port, False, error=f"certificate: {exc.verify_message}")
    except (ssl.SSLError, OSError) as exc:
        return TlsReport(host, port, False, error=f"{type(exc).__name__}: {exc}"[:200])
    not_after = x509.load_der_x509_certificate(der).not_valid_after_utc if der else None
    days_left = (not_after - now).days if not_after else None
    problems = []
    if protocol not in ACCEPTED_PROTOCOLS:
        problems.append(f"protocol {protocol or 'unknown'} is below TLS 1.2")
    if not_after is None or not_after <= now:
        problems.append("server certificate has expired")
    return TlsReport(
        host,
        port,
        not problems,
        protocol=protocol,
        cipher=cipher,
        not_after=not_after,
        days_left=days_left,
        error="; ".join(problems),
    )
