"""Nagle's algorithm is off on every accepted connection, however the listener was made."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest
from uvicorn.config import Config
from uvicorn.server import ServerState

from brokerguard.web.server import HTTP_PROTOCOL, NoDelayHttpToolsProtocol, disable_nagle


class _Transport(asyncio.Transport):
    def __init__(self, sock: socket.socket | None) -> None:
        super().__init__()
        self._sock = sock

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._sock if name == "socket" else default


def _nodelay(sock: socket.socket) -> int:
    return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


def test_accepted_socket_of_a_proto_0_listener_gets_nodelay() -> None:
    # uvicorn --workers binds like this (proto 0), so asyncio leaves Nagle on
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        assert listener.proto == 0
        with socket.create_connection(listener.getsockname()) as _client:
            accepted, _ = listener.accept()
            with accepted:
                assert _nodelay(accepted) == 0
                assert disable_nagle(_Transport(accepted)) is True
                assert _nodelay(accepted) != 0


def test_unix_sockets_and_missing_sockets_are_left_alone() -> None:
    left, right = socket.socketpair(socket.AF_UNIX)
    with left, right:
        assert disable_nagle(_Transport(left)) is False
    assert disable_nagle(_Transport(None)) is False


def test_the_served_protocol_is_the_nodelay_one() -> None:
    module, name = HTTP_PROTOCOL.split(":")
    assert getattr(pytest.importorskip(module), name) is NoDelayHttpToolsProtocol


async def _no_app(scope: Any, receive: Any, send: Any) -> None:
    raise AssertionError("no request is sent")


class _ServedTransport(_Transport):
    """What the protocol asks of a connection's transport when it is accepted."""

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        if name == "peername":
            return self._sock.getpeername() if self._sock else default
        if name == "sockname":
            return self._sock.getsockname() if self._sock else default
        return super().get_extra_info(name, default)

    def is_closing(self) -> bool:
        return False


def test_the_served_protocol_switches_nagle_off_when_a_connection_is_accepted() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        with socket.create_connection(listener.getsockname()) as _client:
            accepted, _ = listener.accept()
            with accepted:
                assert _nodelay(accepted) == 0
                config = Config(app=_no_app, lifespan="off", log_level="warning")
                protocol = NoDelayHttpToolsProtocol(config, ServerState(), app_state={})
                protocol.connection_made(_ServedTransport(accepted))
                assert _nodelay(accepted) != 0
                assert protocol.client == accepted.getpeername()
