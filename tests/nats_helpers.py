"""The NATS JetStream server the tests use (127.0.0.1:4222): missing, a test skips
locally and fails when ``CI=true``."""

from __future__ import annotations

import asyncio
import socket

import nats
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


def drop_stream(name: str, url: str = NATS_URL) -> None:
    """Delete a test's stream (nothing happens when it was never created)."""

    async def drop() -> None:
        nc = await nats.connect(url)
        try:
            await nc.jetstream().delete_stream(name)
        except nats.js.errors.NotFoundError:
            pass
        finally:
            await nc.close()

    asyncio.run(drop())
