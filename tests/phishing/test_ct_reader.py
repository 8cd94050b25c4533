"""Names read in the helper process are the names read in the poll's own process.

The poll hands pages of ``leaf_input`` to a helper process (:mod:`brokerguard.
phishing.ct.reader`); its answers must equal :func:`read_page` run in place, entry
errors included, in submission order; a helper that dies mid-poll costs nothing
but time (the page is read in place, the next poll starts a new helper). Across
chunks and pages, a name keeps the first entry naming it and an entry error its
own index.
"""

from __future__ import annotations

import os
import signal

import pytest

from brokerguard.audit.merkle import Frontier
from brokerguard.phishing.brands import load_brands
from brokerguard.phishing.ct import monitor, reader
from brokerguard.phishing.ct.client import RFC6962Client
from brokerguard.phishing.ct.monitor import _read_entries, http_client, signed_head
from brokerguard.phishing.ct.reader import PageReader, read_page
from brokerguard.phishing.ct.tls import LogLeaf, encode_leaf
from brokerguard.phishing.ct.verify import load_log_key
from brokerguard.phishing.scoring import Scorer
from tests.phishing.conftest import BRANDS_FILE
from tests.phishing.ctlog import FakeLog, LoopbackLog, make_entry

_NOT_DER = encode_leaf(LogLeaf(1, 0, b"not a certificate"))
_PAGES = [
    [make_entry(["www.Example.com", "*.example.com"])[0], _NOT_DER],
    [make_entry(["a.example.net"], precert=True)[0], b"\x00\x00garbage"],
    [make_entry([f"h{i}.example.org" for i in range(30)])[0]],
]


def _helper_pid() -> int:
    pool = reader._helper()
    if pool is None:
        pytest.skip("one core: no helper process")
    pool.submit(int).result()  # started
    return next(iter(pool._processes))


def test_the_helper_reads_what_the_poll_would() -> None:
    _helper_pid()
    pages = PageReader(len(_PAGES))
    for page in _PAGES:
        pages.submit(page)
    assert len(pages) == 3
    got = [pages.next() for _ in _PAGES]
    assert got == [read_page(page) for page in _PAGES]
    first, second, third = got
    # SAN names, then the CN (the first name), normalised; an error names nothing
    assert first.names == ["www.example.com", "example.com", "www.example.com"]
    assert first.counts == [3, 0]
    assert first.errors[0][0] == 1 and "not valid DER" in first.errors[0][1]
    assert second.counts == [2, 0] and second.errors[0][0] == 1
    assert "leaf_input" in second.errors[0][1]
    assert len(third.names) == 31 and not third.errors


def test_a_dead_helper_costs_time_not_names() -> None:
    pid = _helper_pid()
    pages = PageReader(len(_PAGES))
    pages.submit(_PAGES[0])
    assert pages.next() == read_page(_PAGES[0])
    os.kill(pid, signal.SIGKILL)
    for page in _PAGES:
        pages.submit(page)  # the first may be queued before the pool sees the death
    assert [pages.next() for _ in _PAGES] == [read_page(page) for page in _PAGES]
    assert _helper_pid() != pid  # the next poll starts a new one


def test_a_small_poll_starts_no_helper(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "_pool", None)
    pages = PageReader(reader.HELPER_MIN_ENTRIES - 1)
    pages.submit(_PAGES[0])
    assert reader._pool is None and pages.ready()
    assert pages.next() == read_page(_PAGES[0])


def test_a_stalled_helper_is_given_up(monkeypatch: pytest.MonkeyPatch) -> None:
    pid = _helper_pid()
    monkeypatch.setattr(reader, "HELPER_TIMEOUT_S", 0.5)
    os.kill(pid, signal.SIGSTOP)
    try:
        pages = PageReader(len(_PAGES))
        for page in _PAGES:
            pages.submit(page)
        assert pages.next() == read_page(_PAGES[0])  # read in place after the wait
        assert pages.ready()  # the others were the given-up helper's: no second wait
        assert [pages.next() for _ in _PAGES[1:]] == [read_page(page) for page in _PAGES[1:]]
    finally:
        os.kill(pid, signal.SIGCONT)
    assert _helper_pid() != pid


@pytest.mark.parametrize("helper", [True, False])
def test_names_keep_their_first_entry_across_chunks_and_pages(
    monkeypatch: pytest.MonkeyPatch, helper: bool
) -> None:
    monkeypatch.setattr(monitor, "READ_CHUNK", 2)
    if helper:
        _helper_pid()
    else:
        monkeypatch.setattr(reader, "_helper", lambda: None)
    state = FakeLog(page_limit=3)
    for names in (["a.example.com"], ["yuanta-login.top", "a.example.com"], ["b.example.com"]):
        state.add(names)
    state.entries.append((_NOT_DER, b"\0\0\0"))
    for names in (["a.example.com"], ["yuanta-login.top"], ["fub0n.com"], ["c.example.com"]):
        state.add(names)
    scorer = Scorer(load_brands(BRANDS_FILE))
    with LoopbackLog(state) as log, http_client() as http:
        client = RFC6962Client(log.url, http)
        key, _ = load_log_key(state.public_pem())
        head = signed_head(client, key)
        frontier = Frontier()
        read = _read_entries(client, head, frontier, 0, head.tree_size, scorer)
    assert frontier.root() == head.root and len(read.entries) == 8
    assert read.first_seen == {
        "a.example.com": 0,
        "yuanta-login.top": 1,
        "b.example.com": 2,
        "fub0n.com": 6,
        "c.example.com": 7,
    }
    assert [e["index"] for e in read.errors] == [3]
    assert sorted(v.domain for v in read.flagged) == ["fub0n.com", "yuanta-login.top"]
