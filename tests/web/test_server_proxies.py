"""Who may claim to be a proxy (issue 13, low).

Before: ``brokerguard demo`` ran uvicorn with its defaults, which honour
``X-Forwarded-For`` from 127.0.0.1, so any local process (or a port forward) chose the
source address the audit trail and the rate limits saw; ``TRUSTED_PROXIES=["*"]`` let
production serve plain HTTP on 0.0.0.0.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from starlette.types import Receive, Scope, Send
from typer.testing import CliRunner

from brokerguard.cli import demo, runtime
from brokerguard.cli.main import app as cli
from brokerguard.config import Environment, Settings, settings_with
from brokerguard.errors import ConfigurationError
from brokerguard.web.server import check_transport, proxy_options
from tests.conftest import OWASP_HASHING

FORGED = "198.51.100.66"
#: the bind address the checks are about (nothing binds in these tests)
ALL_INTERFACES = "0.0.0.0"  # noqa: S104


async def _echo_client(scope: Scope, receive: Receive, send: Send) -> None:
    """An ASGI app that answers with the client address it was given."""
    host = scope["client"][0] if scope.get("client") else "-"
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": host.encode()})


def seen_client(options: dict[str, Any], peer: str, forwarded: str = FORGED) -> str:
    """The client address the app sees under uvicorn configured with ``options``."""
    config = uvicorn.Config(_echo_client, **options)
    config.load()
    sent: list[dict[str, Any]] = []
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/",
        "raw_path": b"/",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"x-forwarded-for", forwarded.encode()), (b"x-forwarded-proto", b"https")],
        "client": (peer, 40000),
        "server": ("127.0.0.1", 8000),
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    # a thread of its own: a session-scoped Playwright (sync API) in the same test worker
    # keeps an event loop marked running on the main thread
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, config.loaded_app(scope, receive, send)).result()
    return bytes(sent[-1]["body"]).decode()


def _settings(tmp_path: Path, **overrides: Any) -> Settings:
    overrides = {**OWASP_HASHING, **overrides}  # production refuses the tests' cheap argon2
    return settings_with(
        database_url=f"sqlite:///{tmp_path / 'x.db'}", data_dir=tmp_path / "var", **overrides
    )


def test_uvicorns_default_is_the_attack() -> None:
    """Without options, uvicorn believes a forged header from loopback (the demo before)."""
    assert seen_client({}, "127.0.0.1") == FORGED


def test_no_trusted_proxy_means_no_forwarded_header_counts(tmp_path: Path) -> None:
    options = proxy_options(_settings(tmp_path))
    assert seen_client(options, "127.0.0.1") == "127.0.0.1"
    assert seen_client(options, "10.0.0.5") == "10.0.0.5"


def test_a_named_proxy_is_believed_and_no_one_else(tmp_path: Path) -> None:
    options = proxy_options(_settings(tmp_path, trusted_proxies=("10.0.0.5",)))
    assert seen_client(options, "10.0.0.5") == FORGED
    assert seen_client(options, "127.0.0.1") == "127.0.0.1"


def test_the_demo_serves_with_the_proxy_options(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command itself, up to uvicorn (building the firm and the app stubbed out:
    `tests/cli/test_demo.py` builds the real one)."""
    settings = _settings(tmp_path)
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(demo, "build_demo", lambda database: (settings, None, []))
    monkeypatch.setattr("brokerguard.web.app.create_app", lambda *a, **k: _echo_client)
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: calls.append(options))
    result = CliRunner().invoke(cli, ["demo", "--database", "x/demo/demo.db", "--no-worker"])
    assert result.exit_code == 0, result.output
    options = {k: v for k, v in calls[0].items() if k.startswith(("proxy", "forwarded"))}
    assert options == proxy_options(settings)
    assert seen_client(options, "127.0.0.1") == "127.0.0.1"


@pytest.mark.parametrize("everyone", ["*", "0.0.0.0/0", "::/0"])
def test_production_refuses_plain_http_when_every_client_is_a_proxy(
    tmp_path: Path, everyone: str
) -> None:
    settings = _settings(tmp_path, env=Environment.production, trusted_proxies=(everyone,))
    with pytest.raises(ConfigurationError, match="BROKERGUARD_TRUSTED_PROXIES contains") as err:
        check_transport(settings, host=ALL_INTERFACES, tls=False)
    assert everyone in err.value.message and err.value.field == "trusted_proxies"


@pytest.mark.parametrize(
    ("env", "proxies", "host", "tls", "refused"),
    [
        (Environment.production, (), ALL_INTERFACES, False, True),
        (Environment.production, ("10.0.0.5",), ALL_INTERFACES, False, False),
        (Environment.production, ("*",), ALL_INTERFACES, True, False),
        (Environment.production, ("*",), "127.0.0.1", False, False),
        (Environment.development, ("*",), ALL_INTERFACES, False, False),
    ],
)
def test_transport_rules(
    tmp_path: Path,
    env: Environment,
    proxies: tuple[str, ...],
    host: str,
    tls: bool,
    refused: bool,
) -> None:
    settings = _settings(tmp_path, env=env, trusted_proxies=proxies)
    if refused:
        with pytest.raises(ConfigurationError):
            check_transport(settings, host=host, tls=tls)
    else:
        check_transport(settings, host=host, tls=tls)


def test_serve_stops_before_uvicorn_with_the_setting_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _settings(tmp_path, env=Environment.production, trusted_proxies=("*",))
    served: list[object] = []
    monkeypatch.setattr(runtime, "settings", lambda: settings)
    monkeypatch.setattr(runtime, "engine", lambda: None)
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: served.append(a))
    result = CliRunner().invoke(cli, ["serve", "--host", ALL_INTERFACES, "--port", "8104"])
    assert result.exit_code == 1, result.output  # a configuration error, no traceback
    assert "BROKERGUARD_TRUSTED_PROXIES" in result.output and "Traceback" not in result.output
    assert served == []
