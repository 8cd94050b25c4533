"""Running ``brokerguard worker`` as a real process against the test database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable

from brokerguard.config import Settings


def worker_env(settings: Settings, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BROKERGUARD_")}
    env.update(
        BROKERGUARD_DATABASE_URL=settings.database_url,
        BROKERGUARD_DATA_DIR=str(settings.data_dir),
        **extra,
    )
    return env


def worker_once(settings: Settings, **extra: str) -> tuple[int, list[dict[str, object]], str]:
    """``brokerguard worker --once --json``: exit code, the JSON lines, stderr."""
    done = subprocess.run(
        [sys.executable, "-m", "brokerguard", "worker", "--once", "--json"],
        env=worker_env(settings, **extra),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return done.returncode, lines, done.stderr


def start_worker(settings: Settings, *args: str, **extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "brokerguard", "worker", *args],
        env=worker_env(settings, **extra),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_until(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")
