"""Fetch an official account's public page safely.

Only ``http``/``https``; every address the host resolves to must be public
(no loopback, private, link-local, multicast or reserved address) unless the
policy allows private addresses (tests against a loopback server); the
connection is pinned to the checked address, so a DNS answer cannot change
between the check and the connect; redirects are followed by hand, at most a
few, each target checked again; the body is read up to a byte limit; every
socket operation has a timeout and the whole fetch has a deadline.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

USER_AGENT = "brokerguard-disclosure-check/1.0"


@dataclass(frozen=True)
class FetchPolicy:
    timeout_s: float = 5.0
    deadline_s: float = 15.0
    max_bytes: int = 2_000_000
    max_redirects: int = 3
    allow_private: bool = False
    #: private addresses allowed one by one (a test's loopback server)
    private_allowlist: frozenset[str] = frozenset()


@dataclass(frozen=True)
class FetchedPage:
    url: str
    status: int
    content: bytes
    charset: str | None


class FetchError(Exception):
    """The page could not be fetched safely; ``reason`` says why."""

    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _resolve(host: str, port: int, policy: FetchPolicy) -> str:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"cannot resolve {host}: {exc}") from None
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise FetchError(f"cannot resolve {host}")
    if not policy.allow_private:
        for address in addresses:
            if address not in policy.private_allowlist and not _public(address):
                raise FetchError(f"{host} resolves to a non-public address ({address})")
    return addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        self._tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self._tls)
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)


def _check_url(url: str) -> tuple[str, str, int, str]:
    if len(url) > 2000:
        raise FetchError("the address is longer than 2000 characters")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchError(f"only http and https addresses are fetched, not {scheme or 'none'!r}")
    if not parts.hostname:
        raise FetchError("the address has no host")
    if parts.username or parts.password:
        raise FetchError("addresses with credentials are refused")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise FetchError("the address has an invalid port") from None
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return scheme, parts.hostname, port, path


def fetch_page(url: str, policy: FetchPolicy | None = None) -> FetchedPage:
    policy = policy or FetchPolicy()
    started = time.monotonic()
    current = url
    for _ in range(policy.max_redirects + 1):
        if time.monotonic() - started > policy.deadline_s:
            raise FetchError(f"the page took longer than {policy.deadline_s:g} s")
        scheme, host, port, path = _check_url(current)
        address = _resolve(host, port, policy)
        connection: http.client.HTTPConnection
        if scheme == "https":
            connection = _PinnedHTTPSConnection(host, port, address, policy.timeout_s)
        else:
            connection = _PinnedHTTPConnection(host, port, address, policy.timeout_s)
        try:
            connection.request(
                "GET",
                path,
                headers={
                    "User-Agent": USER_AGENT,
                    "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
                    "Accept-Encoding": "identity",
                },
            )
            response = connection.getresponse()
            if response.status in (301, 302, 303, 307, 308):
                location = response.getheader("Location")
                if not location:
                    raise FetchError("redirect without a Location", response.status)
                current = urljoin(current, location.strip())
                continue
            chunks: list[bytes] = []
            size = 0
            while True:
                if time.monotonic() - started > policy.deadline_s:
                    raise FetchError(f"the page took longer than {policy.deadline_s:g} s")
                chunk = response.read(65536)
                if not chunk:
                    break
                size += len(chunk)
                if size > policy.max_bytes:
                    raise FetchError(f"the page is larger than {policy.max_bytes:,} bytes")
                chunks.append(chunk)
            charset = response.headers.get_content_charset()
            return FetchedPage(current, response.status, b"".join(chunks), charset)
        except FetchError:
            raise
        except ssl.SSLError as exc:
            raise FetchError(f"TLS error: {exc.reason or exc.__class__.__name__}") from None
        except (OSError, http.client.HTTPException) as exc:
            raise FetchError(f"connection failed: {exc.__class__.__name__}: {exc}") from None
        finally:
            connection.close()
    raise FetchError(f"more than {policy.max_redirects} redirects")
