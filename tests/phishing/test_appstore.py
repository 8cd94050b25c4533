"""The App Store adapter (iTunes Search API JSON) against a loopback fake store (A6.3.1.3)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from brokerguard.cli.main import app as cli
from brokerguard.db.engine import session_factory
from brokerguard.phishing.apps import brand_looks
from brokerguard.phishing.appstore import AppStoreClient, StoreUnavailableError, scan_app_store
from brokerguard.phishing.brands import parse_brands_text
from brokerguard.phishing.models import PhishingCase, ScanRun

BRANDS = """
- name_zh: 元大證券
  name_en: Yuanta Securities
  aliases: [yuanta, 元大]
  domains: [yuanta.com.tw]
  apps:
    - {platform: ios, package: com.yuanta.ios.trade}
"""


def _listing(name: str, bundle: str, seller: str) -> dict[str, Any]:
    return {
        "trackName": name,
        "bundleId": bundle,
        "sellerName": seller,
        "artworkUrl100": f"https://is1.example/{bundle}/100x100.png",
        "trackViewUrl": f"https://apps.example/app/{bundle}",
    }


STORE: dict[str, Any] = {
    "results": [
        _listing("元大證券 投資先生", "com.yuanta.ios.trade", "Yuanta Securities Co., Ltd."),
        _listing("元大證券 VIP 下載", "com.fake.yuanta", "Lucky Dev Ltd"),
        _listing("Calculator", "com.calc", "Calc Inc"),
        {"kind": "podcast"},  # not an app: ignored
        "garbage",
    ]
}


class _Store(BaseHTTPRequestHandler):
    answer: ClassVar[Any] = STORE
    status: ClassVar[int] = 200
    terms: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        query = parse_qs(urlsplit(self.path).query)
        type(self).terms.append(query["term"][0])
        body = self.answer if isinstance(self.answer, bytes) else json.dumps(self.answer).encode()
        self.send_response(self.status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def store() -> Iterator[str]:
    _Store.answer, _Store.status, _Store.terms = STORE, 200, []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Store)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    yield f"http://{host!s}:{port}/"
    server.shutdown()
    server.server_close()


def test_scan_flags_counterfeit_and_knows_the_official_app(store: str) -> None:
    looks = brand_looks(parse_brands_text(BRANDS))
    with httpx.Client() as http:
        verdicts = scan_app_store(AppStoreClient(http, base_url=store), looks)
    by_bundle = {v.package: v for v in verdicts}
    assert by_bundle["com.yuanta.ios.trade"].status == "official"
    fake = by_bundle["com.fake.yuanta"]
    assert fake.flagged and fake.brand == "yuanta" and fake.decisive == "name"
    assert any("Lucky Dev Ltd" in r.en for r in fake.reasons)
    assert by_bundle["com.calc"].status == "unrelated"
    assert _Store.terms == ["元大", "Yuanta Securities"]  # every brand by its names


@pytest.mark.parametrize(
    ("answer", "status", "reason"),
    [(b"<html>", 200, "not JSON"), ({"x": 1}, 200, "no results"), (STORE, 503, "HTTP 503")],
)
def test_store_failures_are_typed(store: str, answer: Any, status: int, reason: str) -> None:
    _Store.answer, _Store.status = answer, status
    with httpx.Client() as http, pytest.raises(StoreUnavailableError, match=reason):
        AppStoreClient(http, base_url=store).search("元大")


def test_app_store_scan_cli_records_cases(
    runner: CliRunner,
    cli_db: Engine,
    store: str,
    tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BROKERGUARD_PHISHING_APP_STORE_URL", store)
    path = tmp_path / "brands.yaml"
    path.write_text(BRANDS, encoding="utf-8")
    result = runner.invoke(cli, ["phishing", "app-store-scan", "--brands", str(path), "--record"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["package"] for r in rows if r["flagged"]] == ["com.fake.yuanta"]
    with session_factory(cli_db)() as session:
        assert session.scalars(select(PhishingCase.target)).all() == ["com.fake.yuanta"]
        (run,) = session.scalars(select(ScanRun)).all()
        assert (run.source, run.names, run.flagged) == ("apps", 3, 1)
