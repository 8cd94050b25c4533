"""How ``brokerguard serve`` and ``brokerguard demo`` run the ASGI app under uvicorn.

uvicorn's multi-worker mode binds the listening socket itself and hands it to the
workers with ``proto`` 0; asyncio only switches Nagle's algorithm off
(``TCP_NODELAY``) for sockets that report ``IPPROTO_TCP``, so with ``--workers`` > 1
every keep-alive response waited ~40 ms for the client's delayed ACK
(uvicorn issue #3149). :class:`NoDelayHttpToolsProtocol` sets the option on every
accepted TCP connection, whatever the listener looks like.

The protocol is uvicorn's httptools one (its C HTTP parser) and the event loop uvloop
(uvicorn's ``loop="auto"`` takes it when installed): both are uvicorn's own "standard"
extras, and together they took ~8 % of the server's CPU off a login and ~10 % off an
authenticated API read compared with h11 on asyncio (docs/etrade-login.md, "Third
pass").

Both commands also take their proxy options from :func:`proxy_options`, and
``serve`` checks with :func:`check_transport` that production is not reachable over
plain HTTP.
"""

from __future__ import annotations

import asyncio
import socket
from contextlib import suppress
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from brokerguard.config import Environment, Settings
from brokerguard.errors import ConfigurationError

_TCP_FAMILIES = (socket.AF_INET, socket.AF_INET6)


def disable_nagle(transport: asyncio.BaseTransport) -> bool:
    """Switch ``TCP_NODELAY`` on for ``transport``'s socket; ``False`` when not TCP."""
    sock = transport.get_extra_info("socket")
    if sock is None or sock.family not in _TCP_FAMILIES:
        return False
    with suppress(OSError):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return True
    return False


class NoDelayHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with Nagle's algorithm off on every connection."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        disable_nagle(transport)
        super().connection_made(transport)


#: what ``uvicorn.run(http=...)`` takes for brokerguard's servers
HTTP_PROTOCOL = "brokerguard.web.server:NoDelayHttpToolsProtocol"


#: values of ``trusted_proxies`` that trust every peer (uvicorn's ``*``, the whole Internet)
TRUST_EVERYONE = frozenset({"*", "0.0.0.0/0", "::/0"})


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a bind address) listens on loopback only."""
    return host in ("127.0.0.1", "::1", "localhost") or host.startswith("127.")


def check_transport(settings: Settings, *, host: str, tls: bool) -> None:
    """Refuse, at start-up, a production server that plain HTTP could reach from outside.

    Plain HTTP is allowed in production only on loopback, or behind a trusted proxy that
    ``trusted_proxies`` names. ``*`` (or ``0.0.0.0/0``, ``::/0``) names no proxy: every
    client would pass as one, forge ``X-Forwarded-For`` and ``X-Forwarded-Proto`` and be
    served without TLS (issue 13).
    """
    if tls or settings.env is not Environment.production or is_loopback(host):
        return
    everyone = sorted(TRUST_EVERYONE.intersection(settings.trusted_proxies))
    if everyone:
        raise ConfigurationError(
            f"BROKERGUARD_TRUSTED_PROXIES contains {', '.join(everyone)}, which trusts every "
            "client as a proxy: in production name the proxies' addresses, or serve over TLS "
            "(--tls-cert/--tls-key)",
            field="trusted_proxies",
        )
    if not settings.trusted_proxies:
        raise ConfigurationError(
            "production mode serves only over TLS (--tls-cert/--tls-key) "
            "or behind a configured trusted proxy (BROKERGUARD_TRUSTED_PROXIES)",
            field="trusted_proxies",
        )


def proxy_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's proxy options: ``X-Forwarded-For`` and ``-Proto`` count only when they
    come from a proxy ``trusted_proxies`` names. With none named they never count
    (uvicorn's own default trusts them from 127.0.0.1, which let any local process or
    the demo's visitors through a port forward choose their source address)."""
    if not settings.trusted_proxies:
        return {"proxy_headers": False, "forwarded_allow_ips": ""}
    return {"proxy_headers": True, "forwarded_allow_ips": ",".join(settings.trusted_proxies)}
