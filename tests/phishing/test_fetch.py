"""Page evidence over loopback: redirects, address policy, size limit, HTML analysis."""

from __future__ import annotations

import io
import ipaddress
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image
from sqlalchemy.orm import Session

from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.evidence.service import evidence_for
from brokerguard.phishing import fetch, service
from brokerguard.phishing.apps import icon_hash
from brokerguard.phishing.brands import Brand
from brokerguard.phishing.scoring import Scorer


def _icon() -> bytes:
    image = Image.new("RGB", (32, 32), "navy")
    for x in range(8, 24):
        image.putpixel((x, 16), (255, 255, 255))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


PAGE = (
    "<html><head><title>元大證券 Yuanta 會員登入</title>"
    '<link rel="shortcut icon" href="/icon.png"></head><body>'
    '<form action="/steal"><input name="id"><input type="password" name="pw"></form>'
    "</body></html>"
).encode()


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        routes = {
            "/": (200, PAGE, "text/html; charset=utf-8"),
            "/icon.png": (200, _icon(), "image/png"),
            "/big": (200, b"x" * 5000, "text/plain"),
        }
        if self.path == "/to-ftp":
            self._redirect("ftp://phish.test/file")
        elif self.path == "/to-private":
            self._redirect("http://intranet.test/")
        elif self.path == "/hop":
            self._redirect("/")
        elif self.path == "/loop":
            self._redirect("/loop")
        else:
            status, body, kind = routes.get(self.path, (404, b"missing", "text/plain"))
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture
def server() -> Iterator[int]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(httpd.server_address[1])
    finally:
        httpd.shutdown()
        httpd.server_close()


def resolver(host: str, timeout: float) -> list[str]:
    return {"phish.test": ["127.0.0.1"], "intranet.test": ["10.0.0.5"]}.get(host, [])


def loopback_only(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return address.is_loopback


def _get(url: str, max_bytes: int = 2 * 1024 * 1024) -> fetch.FetchResult:
    return fetch.fetch_page(
        url, resolver=resolver, address_allowed=loopback_only, timeout=5, max_bytes=max_bytes
    )


def test_fetch_and_analyse(server: int) -> None:
    result = _get(f"http://phish.test:{server}/hop")
    assert result.status == 200 and result.redirects == [f"http://phish.test:{server}/"]
    assert result.addresses == ["127.0.0.1"]
    facts = fetch.analyse_page(result, ["元大證券", "Yuanta Securities"])
    assert facts.login_form and facts.brand_in_title
    assert facts.title == "元大證券 Yuanta 會員登入"
    distance = fetch.favicon_distance(facts, [icon_hash(_icon())], _get)
    assert distance == 0


def test_refusals(server: int) -> None:
    with pytest.raises(fetch.FetchError, match="scheme"):
        _get(f"http://phish.test:{server}/to-ftp")
    with pytest.raises(fetch.FetchError, match="non-public"):
        _get(f"http://phish.test:{server}/to-private")
    with pytest.raises(fetch.FetchError, match="redirects"):
        _get(f"http://phish.test:{server}/loop")
    with pytest.raises(fetch.FetchError, match="does not resolve"):
        _get("http://unknown.test/")
    with pytest.raises(fetch.FetchError, match="credentials"):
        _get(f"http://u:p@phish.test:{server}/")
    with pytest.raises(fetch.FetchError, match="scheme"):
        _get("javascript:alert(1)")


def test_production_policy_refuses_loopback(server: int) -> None:
    with pytest.raises(fetch.FetchError, match="non-public"):
        fetch.fetch_page(f"http://phish.test:{server}/", resolver=resolver)
    with pytest.raises(fetch.FetchError, match="non-public"):
        fetch.fetch_page(f"http://127.0.0.1:{server}/")
    assert not fetch.public_only(ipaddress.ip_address("169.254.169.254"))
    assert fetch.public_only(ipaddress.ip_address("8.8.8.8"))


def test_size_limit(server: int) -> None:
    result = _get(f"http://phish.test:{server}/big", max_bytes=1000)
    assert result.truncated and len(result.body) == 1000


def test_malformed_html_does_not_break_analysis() -> None:
    result = fetch.FetchResult(
        "http://x.test/",
        "http://x.test/",
        200,
        "text/html",
        b"<html><title>a<<<<</tit<form><input type=PASSWORD",
        False,
    )
    facts = fetch.analyse_page(result, ["x"])
    assert facts.title.startswith("a")
    assert not facts.login_form  # the input sits inside the unclosed title
    assert facts.icon_urls == ["http://x.test/favicon.ico"]


def test_collect_evidence(
    server: int, session: Session, clock: FixedClock, settings: Settings, brands: list[Brand]
) -> None:
    case = service.open_site_case(
        session, clock, Scorer(brands).check("yuanta-login.top"), source="report", actor="sec"
    )
    result = _get(f"http://phish.test:{server}/")
    facts = fetch.analyse_page(result, ["元大證券"])
    refs = fetch.collect_evidence(session, clock, settings, case, result, facts, actor="sec")
    assert refs == json.loads(case.evidence)
    assert len(evidence_for(session, "A8.1")) == 2
