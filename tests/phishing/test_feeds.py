"""Feed reading and link extraction: hostile, huge and broken input never stops a scan."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st

from brokerguard.phishing.domains import HostError, parse_host
from brokerguard.phishing.feeds import LineError, read_feed, urls_in_text
from brokerguard.phishing.scoring import Scorer

_SCORER: dict[str, Scorer] = {}


def test_read_feed_formats_and_errors() -> None:
    raw = b"\n".join(
        [
            b'{"data": {"leaf_cert": {"all_domains": ["*.a.example.com", "b.example.com"]}}}',
            b'{"name_value": "c.example.com\\nd.example.com"}',
            b'{"domains": ["e.example.com", 5]}',
            b'{"url": "https://f.example.com/x"}',
            b"plain.example.com",
            b"\xff\xfe",
            b"{not json",
            b'{"other": true}',
            b"   ",
            b"z" * 70_000,
            b"last.example.com",
        ]
    )
    items = list(read_feed(io.BytesIO(raw)))
    names = [i for i in items if isinstance(i, str)]
    errors = [i for i in items if isinstance(i, LineError)]
    assert names == [
        "a.example.com",
        "b.example.com",
        "c.example.com",
        "d.example.com",
        "e.example.com",
        "https://f.example.com/x",
        "plain.example.com",
        "last.example.com",
    ]
    assert [e.line for e in errors] == [6, 7, 8, 10]
    assert errors[0].error == "not UTF-8"
    assert all(len(e.input) <= 80 for e in errors)


def test_urls_in_text() -> None:
    text = (
        "【元大證券】您的帳戶異常，請於今日至https://yuanta-verify.top/login?id=9 重新驗證，"
        "或 hxxp://fub0n[.]com/a 及 www.kgi-app.net。官網 yuanta.com.tw。"
    )
    assert urls_in_text(text) == [
        "https://yuanta-verify.top/login?id=9",
        "hxxp://fub0n[.]com/a",
        "www.kgi-app.net",
        "yuanta.com.tw",
    ]
    assert urls_in_text("") == []
    assert urls_in_text("沒有連結的訊息") == []
    assert len(urls_in_text("a.com " * 1000)) <= 200


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_parse_host_never_crashes(text: str) -> None:
    try:
        host = parse_host(text)
    except HostError as exc:
        assert exc.message
    else:
        assert host.ascii.isascii() and len(host.ascii) <= 253


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_read_feed_never_crashes(raw: bytes) -> None:
    for item in read_feed(io.BytesIO(raw)):
        assert isinstance(item, str | LineError)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(max_size=120),
        st.from_regex(r"[a-zа-яü0-9.-]{1,30}\.(com|com\.tw|top|xn--kpry57d)", fullmatch=True),
    )
)
def test_scoring_never_crashes(text: str) -> None:
    from brokerguard.phishing.brands import load_brands
    from tests.phishing.conftest import BRANDS_FILE

    scorer = _SCORER.setdefault("s", Scorer(load_brands(BRANDS_FILE)))
    try:
        verdict = scorer.check(text)
    except HostError:
        return
    assert 0.0 <= verdict.score <= 1.0
    assert verdict.flagged == (verdict.score >= 0.6)
