"""The NATS JetStream server the tests use (127.0.0.1:4222): missing, a test skips
locally and fails when ``CI=true``."""

from __future__ import annotations

import socket

import pytest

from tests.conftest import in_ci

NATS_URL = "nats://127.0.0.1:4222"


def require_nats() -> str:
    try:
        with socket.create_connection(("127.0.0.1", 4222), timeout=2):
            return NATS_URL
    except OSError:
        if in_ci():
            pytest.fail("NATS is not reachable at 127.0.0.1:4222")
        pytest.skip("NATS is not reachable at 127.0.0.1:4222")
