"""How ``brokerguard serve`` and ``brokerguard demo`` run the ASGI app under uvicorn.

uvicorn's multi-worker mode binds the listening socket itself and hands it to the
workers with ``proto`` 0; asyncio only switches Nagle's algorithm off
(``TCP_NODELAY``) for sockets that report ``IPPROTO_TCP``, so with ``--workers`` > 1
every keep-alive response waited ~40 ms for the client's delayed ACK
(uvicorn issue #3149). :class:`NoDelayH11Protocol` sets the option on every accepted
TCP connection, whatever the listener looks like.
"""

from __future__ import annotations

import asyncio
import socket
from contextlib import suppress

from uvicorn.protocols.http.h11_impl import H11Protocol

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


class NoDelayH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with Nagle's algorithm off on every connection."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        disable_nagle(transport)
        super().connection_made(transport)


#: what ``uvicorn.run(http=...)`` takes for brokerguard's servers
HTTP_PROTOCOL = "brokerguard.web.server:NoDelayH11Protocol"
