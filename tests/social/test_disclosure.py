from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from brokerguard.social.disclosure import (
    Expected,
    missing_items,
    normalise,
    normalise_phone,
    page_text,
    phone_numbers,
)
from brokerguard.social.fetch import FetchError, FetchPolicy, fetch_page
from tests.social.loopback import serve

EXPECTED = Expected(
    firm_name="示範證券股份有限公司",
    address="100 臺北市中正區重慶南路一段 100 號",
    phone="(02) 2345-6789",
    licence_number="112年金管證總字第0001號",
    complaint_contact="0800-088-088",
    complaint_handler="客戶服務部",
)

GOOD_PAGE = """<html><head><meta property="og:description" content="示範證券官方粉絲專頁">
<script>var x = "示範證券股份有限公司 should not count";</script></head><body>
<h1>示範證券股份有限公司</h1>
<p>地址：台北市中正區重慶南路一段１００號</p>
<p>電話：<a href="tel:+886-2-2345-6789">+886 2 2345 6789</a></p>
<p>許可證照字號：１１２年金管證總字第０００１號</p>
<p>客戶申訴專線 0800 088 088，由 客戶服務部 受理</p>
</body></html>"""


def test_normalisation() -> None:
    assert normalise("ＡＢＣ　１２３") == "abc123"
    assert normalise("臺北市") == normalise("台北市")
    assert normalise_phone("+886-2-2345-6789") == "0223456789"
    assert normalise_phone("(02)2345-6789") == "0223456789"
    assert "0223456789" in phone_numbers("電話：０２－２３４５－６７８９ 轉 123")


def test_full_page_passes() -> None:
    text = page_text(GOOD_PAGE.encode("utf-8"), "utf-8")
    assert missing_items(text, EXPECTED) == []


def test_script_text_does_not_count() -> None:
    page = "<html><script>示範證券股份有限公司</script><body>hello</body></html>"
    assert "name" in missing_items(page_text(page.encode(), None), EXPECTED)


@pytest.mark.parametrize(
    ("remove", "item"),
    [
        ("<h1>示範證券股份有限公司</h1>", "name"),
        ("<p>地址：台北市中正區重慶南路一段１００號</p>", "address"),
        ('<p>電話：<a href="tel:+886-2-2345-6789">+886 2 2345 6789</a></p>', "phone"),
        ("<p>許可證照字號：１１２年金管證總字第０００１號</p>", "licence"),
        ("<p>客戶申訴專線 0800 088 088，由 客戶服務部 受理</p>", "complaint"),
    ],
)
def test_each_missing_item_is_reported(remove: str, item: str) -> None:
    page = GOOD_PAGE.replace(remove, "")
    assert item in missing_items(page_text(page.encode(), "utf-8"), EXPECTED)


def test_wrong_phone_digits_are_missing() -> None:
    page = GOOD_PAGE.replace("2345 6789", "2345 6780").replace("2345-6789", "2345-6780")
    assert "phone" in missing_items(page_text(page.encode(), "utf-8"), EXPECTED)


def test_big5_page() -> None:
    text = page_text(GOOD_PAGE.replace("臺", "台").encode("cp950"), None)
    assert missing_items(text, EXPECTED) == []


LOOPBACK = FetchPolicy(timeout_s=2.0, max_bytes=10_000, allow_private=True)


def test_fetch_loopback_page_and_redirect() -> None:
    routes = {
        "/page": (200, {"Content-Type": "text/html; charset=utf-8"}, GOOD_PAGE.encode()),
        "/old": (301, {"Location": "/page"}, b""),
    }
    with serve(routes) as base:
        page = fetch_page(base + "/old", LOOPBACK)
    assert page.status == 200
    assert page.url.endswith("/page")
    assert page.charset == "utf-8"
    assert missing_items(page_text(page.content, page.charset), EXPECTED) == []


def test_private_addresses_refused_by_default() -> None:
    with serve({"/": (200, {}, b"hi")}) as base, pytest.raises(FetchError, match="non-public"):
        fetch_page(base + "/", FetchPolicy(timeout_s=2.0))


@pytest.mark.parametrize(
    "location",
    ["file:///etc/passwd", "gopher://127.0.0.1/", "javascript:alert(1)", "ftp://example.com/x"],
)
def test_redirect_to_non_http_refused(location: str) -> None:
    with serve({"/": (302, {"Location": location}, b"")}) as base, pytest.raises(FetchError):
        fetch_page(base + "/", LOOPBACK)


@pytest.mark.parametrize(
    "target", ["http://10.0.0.1/", "http://127.0.0.2:{port}/", "http://[::1]/"]
)
def test_redirect_to_private_address_refused(target: str) -> None:
    only_this_server = FetchPolicy(timeout_s=2.0, private_allowlist=frozenset({"127.0.0.1"}))
    with serve({"/": (200, {}, b"ok")}) as base:
        port = base.rsplit(":", 1)[1]
        location = target.format(port=port)
        assert fetch_page(base + "/", only_this_server).content == b"ok"
        redirect = {"/": (302, {"Location": location}, b"")}
        with serve(redirect) as start, pytest.raises(FetchError, match="non-public"):
            fetch_page(start + "/", only_this_server)


def test_redirect_loop_and_size_limit() -> None:
    routes = {
        "/a": (302, {"Location": "/b"}, b""),
        "/b": (302, {"Location": "/a"}, b""),
        "/big": (200, {}, b"x" * 50_000),
    }
    with serve(routes) as base:
        with pytest.raises(FetchError, match="redirects"):
            fetch_page(base + "/a", LOOPBACK)
        with pytest.raises(FetchError, match="larger"):
            fetch_page(base + "/big", LOOPBACK)


@pytest.mark.parametrize(
    "url",
    [
        "",
        "not a url",
        "ftp://example.com/",
        "http://user:pass@example.com/",
        "http:///nohost",
        "http://example.com:99999/",
        "https://" + "a" * 3000 + ".com/",
    ],
)
def test_bad_urls(url: str) -> None:
    with pytest.raises(FetchError):
        fetch_page(url, FetchPolicy(timeout_s=1.0))


def test_connection_refused_is_a_fetch_error() -> None:
    with serve({}) as base:
        port_url = base
    with pytest.raises(FetchError, match="connection failed"):
        fetch_page(port_url + "/", LOOPBACK)


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\x00\xff\xfe" * 1000,
        b"<" * 10_000,
        b"<div>" * 5000,
        b"<script>" + b"x" * 10_000,
        b"<meta content>",
        b"<a href>tel</a><a href='tel:'></a>",
        "<p>&#0; &#xffffff; &bogus; ％０２</p>".encode(),
    ],
)
def test_hostile_pages_do_not_crash(content: bytes) -> None:
    text = page_text(content, "x-unknown-charset")
    assert isinstance(text, str)
    assert "name" in missing_items(text, EXPECTED)


@given(
    before=st.text(alphabet="甲乙丙abc :：", max_size=20),
    after=st.text(alphabet="甲乙丙abc :：()", max_size=20),
    style=st.sampled_from(
        ["(02) 2345-6789", "02-2345-6789", "+886 2 2345 6789", "０２２３４５６７８９"]
    ),
)
def test_a_written_phone_is_found_in_any_surroundings(before: str, after: str, style: str) -> None:
    assert "0223456789" in phone_numbers(f"{before}{style}{after}")


@given(st.text(max_size=300))
def test_phone_extraction_never_fails(text: str) -> None:
    for number in phone_numbers(text):
        assert number.isdigit() and 7 <= len(number) <= 12


def test_silent_server_times_out() -> None:
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    try:
        with pytest.raises(FetchError, match="connection failed"):
            fetch_page(
                f"http://127.0.0.1:{port}/",
                FetchPolicy(timeout_s=0.3, private_allowlist=frozenset({"127.0.0.1"})),
            )
    finally:
        listener.close()
