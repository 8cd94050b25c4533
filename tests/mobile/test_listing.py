from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from sqlalchemy.orm import Session

from brokerguard.clock import FixedClock
from brokerguard.errors import ServiceUnavailableError, ValidationError
from brokerguard.mobile.listing import (
    compare_published,
    fetch_published,
    listing_html,
    listing_json,
    official_listing,
)
from brokerguard.mobile.models import MobileApp
from tests.mobile.helpers import make_app, previous_release


class _Handler(BaseHTTPRequestHandler):
    body = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(type(self).body)

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def site() -> Iterator[tuple[str, type[_Handler]]]:
    handler = type("Handler", (_Handler,), {"body": b""})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/apps", handler
    finally:
        server.shutdown()
        server.server_close()


def _released(session: Session, clock: FixedClock) -> MobileApp:
    app = make_app(session, clock, certs=[])
    app.name_zh = "示範證券<script>"
    previous_release(session, clock, app)
    internal = make_app(session, clock, certs=[], slug="staff-app", customer_facing=False)
    previous_release(session, clock, internal)
    return app


def test_listing_only_customer_facing_released(session: Session, clock: FixedClock) -> None:
    _released(session, clock)
    entries = official_listing(session)
    assert [(e.app, e.version) for e in entries] == [("trade-android", "0.9")]
    html = listing_html(entries, "示範證券", "Demo")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'data-version="0.9"' in html
    assert json.loads(listing_json(entries))["apps"][0]["download_url"].startswith("https://")


def test_published_page_in_sync(
    session: Session, clock: FixedClock, site: tuple[str, type[_Handler]]
) -> None:
    url, handler = site
    entries = official_listing(session) if False else None
    _released(session, clock)
    entries = official_listing(session)
    handler.body = listing_html(entries, "示範證券", "Demo").encode()
    content = fetch_published(url, timeout_s=5, max_bytes=100_000)
    assert compare_published(entries, content) == []


def test_published_page_differs(
    session: Session, clock: FixedClock, site: tuple[str, type[_Handler]]
) -> None:
    url, handler = site
    _released(session, clock)
    entries = official_listing(session)
    handler.body = json.dumps(
        {"apps": [{"app": "trade-android", "version": "0.8"}, {"app": "ghost", "version": "1"}]}
    ).encode()
    problems = compare_published(entries, fetch_published(url, timeout_s=5, max_bytes=10_000))
    assert len(problems) == 3
    assert "0.8" in problems[0] and "download location" in problems[1] and "ghost" in problems[2]
    handler.body = b"<html><body>nothing here</body></html>"
    missing = compare_published(entries, fetch_published(url, timeout_s=5, max_bytes=10_000))
    assert missing == ["trade-android: not on the published page"]


def test_free_form_html_with_name_and_version_counts(session: Session, clock: FixedClock) -> None:
    _released(session, clock)
    entries = official_listing(session)
    link = entries[0].download_url
    page = f'<p>示範證券&lt;script&gt; 最新版本 0.9 <a href="{link}">下載</a></p>'.encode()
    assert compare_published(entries, page) == []
    no_link = "<p>示範證券&lt;script&gt; 最新版本 0.9 下載</p>".encode()
    assert compare_published(entries, no_link) == [
        f"trade-android: download location {link!r} not on the published page"
    ]


def test_wrong_download_location_is_a_difference(session: Session, clock: FixedClock) -> None:
    """Before: the published download link was never compared (A6.3.1.2)."""
    _released(session, clock)
    entries = official_listing(session)
    html = listing_html(entries, "示範證券", "Demo").replace(
        entries[0].download_url, "https://apk-mirror.example.net/trade.apk"
    )
    [problem] = compare_published(entries, html.encode())
    assert "download location" in problem
    moved = json.dumps(
        {"apps": [{"app": "trade-android", "version": "0.9", "download_url": "https://x.example"}]}
    )
    assert "download location" in compare_published(entries, moved.encode())[0]


@pytest.mark.parametrize("body", [b"{not json", b'{"apps": 3}', b"[1,2]"])
def test_malformed_published_json(session: Session, clock: FixedClock, body: bytes) -> None:
    _released(session, clock)
    entries = official_listing(session)
    if body.startswith(b"["):
        assert compare_published(entries, body) == ["trade-android: not on the published page"]
        return
    with pytest.raises(ValidationError):
        compare_published(entries, body)


def test_fetch_limits(site: tuple[str, type[_Handler]]) -> None:
    url, handler = site
    handler.body = b"x" * 5000
    with pytest.raises(ValidationError):
        fetch_published(url, timeout_s=5, max_bytes=100)
    with pytest.raises(ValidationError):
        fetch_published("file:///etc/passwd", timeout_s=5, max_bytes=100)
    with pytest.raises(ServiceUnavailableError):
        fetch_published("http://127.0.0.1:1/none", timeout_s=2, max_bytes=100)
