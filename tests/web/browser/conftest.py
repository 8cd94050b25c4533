"""A real browser on the demo firm: Playwright driving Debian's chromium (never a
downloaded browser), axe-core from the npm registry (``npm install`` at the repository
root). Missing tools skip the browser tests locally and fail them under ``CI=true``."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from brokerguard.clock import FixedClock
from brokerguard.db.engine import make_engine
from brokerguard.web.app import create_app
from tests.conftest import ROOT, T0, DemoFirm, demo_copy, in_ci

CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


def _missing(what: str) -> None:
    message = f"browser tests need {what}"
    if in_ci():
        pytest.fail(message + " (CI=true: .ci/run installs it)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.exists():
        _missing("axe-core (npm install at the repository root)")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium for one module's tests. Not longer: Playwright's sync API keeps an event
    loop running in the test process while it is open, and every later test of the
    process that calls ``asyncio.run`` (the NATS tests) would fail."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright package (pip install -e '.[dev]')")
    if not CHROMIUM.exists() or shutil.which("chromium") is None:
        _missing("Debian's chromium (apt-get install chromium fonts-noto-cjk)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield launched
        launched.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def live_firm(
    tmp_path_factory: pytest.TempPathFactory, demo_template: DemoFirm
) -> Iterator[tuple[str, dict[str, str]]]:
    """A copy of the demo firm served on a loopback port: (base URL, username -> password)."""
    folder = tmp_path_factory.mktemp("browser-firm")
    engine, settings, passwords = demo_copy(demo_template, folder)
    # one server for the whole session: its per-account sign-in limit (10 a minute, real
    # time) is not what these tests exercise, and a fast run signs one user in more often
    limits = {"rate_limit_ip": "1000/minute", "rate_limit_account": "1000/minute"}
    settings = settings.model_copy(update={"staff": settings.staff.model_copy(update=limits)})
    clock = FixedClock(T0)
    app = create_app(settings, engine=make_engine(settings.database_url), clock=clock)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.1)
    assert server.started, "the web app did not start"
    yield f"http://127.0.0.1:{port}", passwords
    server.should_exit = True
    thread.join(timeout=10)
    engine.dispose()
