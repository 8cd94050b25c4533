"""One loopback HTTP server for the fake CT logs (RFC 6962 and static-ct-api).

A fake log is a state object with ``respond(path, query)`` returning a
:class:`Reply`; :class:`LoopbackServer` serves it on 127.0.0.1 (a free port) in a
thread, for as long as the ``with`` block lasts. Real HTTP, so the monitor's
client, its timeouts and its error handling run as they do against a real log.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Generic, Protocol, Self, TypeVar
from urllib.parse import parse_qs, urlsplit

PREFIX = "/log/"


@dataclass(frozen=True)
class Reply:
    """What the server answers; ``close``: drop the connection without a reply."""

    status: int = 200
    content_type: str = "application/json"
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    close: bool = False


class Responder(Protocol):
    def respond(self, path: str, query: dict[str, list[str]]) -> Reply:
        """The reply to a GET of ``path`` (below the log's URL) with ``query``."""
        ...


S = TypeVar("S", bound=Responder)


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        state: Responder = self.server.state  # type: ignore[attr-defined]
        reply = state.respond(parts.path.removeprefix(PREFIX), parse_qs(parts.query))
        if reply.close:
            self.close_connection = True
            self.wfile.flush()
            self.connection.close()
            return
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    def log_message(self, format: str, *args: Any) -> None:
        return


class LoopbackServer(Generic[S]):
    """Serves ``state`` on 127.0.0.1 (a free port) in a thread; its URL is :attr:`url`."""

    def __init__(self, state: S) -> None:
        self.state = state
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.state = state  # type: ignore[attr-defined]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}{PREFIX}"

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
