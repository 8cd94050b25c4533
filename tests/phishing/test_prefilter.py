"""The scan's batched pre-filter gives exactly the per-host rule's answer.

The reference below is the rule written host by host (the pre-filter as it was
before it was batched): a brand term anywhere in the host, no known public
suffix, or a registrable label whose ASCII skeleton is within two OSA edits of a
brand skeleton of four or more letters (or equal to a shorter one).
"""

from __future__ import annotations

import json
import random
from functools import cache
from itertools import islice
from pathlib import Path

import pymispwarninglists
import pytest
from rapidfuzz.distance import OSA

from brokerguard.phishing import prefilter
from brokerguard.phishing.brands import Brand, load_brands
from brokerguard.phishing.domains import HostError
from brokerguard.phishing.glyphs import ascii_skeleton
from brokerguard.phishing.permute import Generator
from brokerguard.phishing.prefilter import (
    MAX_SUSPECTS,
    Lines,
    candidates,
    near_tokens,
    not_plain,
    token_pattern,
)
from brokerguard.phishing.scoring import Scorer, Verdict, _fast_label, _plain_host

UNSEEN = Path(__file__).parent / "data" / "unseen-brokers.yaml"

#: hosts at the edges of the rule: no dot, empty labels, unknown suffixes, near
#: labels in sub-domains, short terms, private suffixes, digits, dashes
EDGES = [
    "com", "localhost", "a..com", "x.unknowntld", "yuanta", "h1.yuamta.co.uk",
    "kgi.foo.com", "foo.kgi.com", "kgl.com", "mail.kgi.com.tw", "yuanta.github.io",
    "fub0n.blogspot.com", "www.fubom.com", "fubom.example.com", "yuan-ta.net",
    "ab.cd.ef.gh.yuanda.top", "x.y", "1.2.3.4.com", "sino-pac.com", "sinopac1.com",
    "c0ncords.com.tw", "capital.com", "a.b", "www.concord.org", "www.cathay.unknown",
    "unknown.cathay", "z" * 60 + ".com", "masterlink.com.tw.evil.top",
]  # fmt: skip


def reference(scorer: Scorer, hosts: list[str]) -> list[int]:
    """The per-host rule (what the batched pre-filter must equal)."""
    wanted = []
    for i, host in enumerate(hosts):
        label = _fast_label(host, scorer._suffixes)
        folded = ascii_skeleton(label)
        if (
            scorer._contains_re.search(host)
            or not label
            or folded in scorer._short_skeletons
            or any(OSA.distance(folded, s) <= 2 for s in scorer._skeletons)
        ):
            wanted.append(i)
    return wanted


@cache
def _tranco_list() -> tuple[str, ...]:
    root = Path(pymispwarninglists.__file__).parent
    path = root / "data" / "misp-warninglists" / "lists" / "tranco" / "list.json"
    return tuple(json.loads(path.read_text(encoding="utf-8"))["list"])


def _tranco(count: int) -> list[str]:
    return random.Random(16).sample(_tranco_list(), count)


def _ct_like(count: int) -> list[str]:
    rng = random.Random(6)
    hosts = []
    for serial in range(count):
        base = f"site{serial}-{rng.randrange(10**6)}.{rng.choice(['com', 'net', 'com.tw', 'io'])}"
        hosts += [base, *(f"h{i}.{base}" for i in range(rng.randint(0, 4)))]
    return hosts


@pytest.mark.parametrize("brand_set", ["tuned", "unseen"])
def test_batched_prefilter_equals_the_per_host_rule(
    brands: list[Brand], brand_set: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    scorer = Scorer(brands if brand_set == "tuned" else load_brands(UNSEEN))
    rng = random.Random(7)
    lookalikes = [
        c.domain
        for brand in scorer.brands
        for c in islice(Generator(brand).candidates(), 1000)
        if c.domain.isascii()
    ]
    mixed = _tranco(4000) + _ct_like(800) + EDGES + rng.sample(lookalikes, 300)
    rng.shuffle(mixed)
    hosts = [h for h in mixed if _plain_host(h)]
    assert len(hosts) > 6000
    for batch in (hosts, hosts[:1000], EDGES + _ct_like(50)):
        expected = reference(scorer, batch)
        assert scorer.prefilter(batch) == expected
        assert scorer._prefilter_each(batch) == expected
    # many near labels: every host is looked at one by one, same answer
    crowd = rng.sample(lookalikes, 100)
    monkeypatch.setattr(prefilter, "MAX_SUSPECTS", 20)
    near = near_tokens(Lines(crowd).tokens(), scorer._skeletons, scorer._short_skeletons)
    assert candidates(Lines(crowd), near, scorer._suffixes) is None
    assert scorer.prefilter(crowd) == reference(scorer, crowd)


def test_prefilter_lets_every_flagged_host_through(brands: list[Brand]) -> None:
    """Whatever the pre-filter drops, full scoring would not have flagged."""
    scorer = Scorer(brands)
    hosts = [h for h in _tranco(3000) + _ct_like(300) + EDGES if _plain_host(h)]
    passed = set(scorer.prefilter(hosts))
    for i, host in enumerate(hosts):
        if i in passed:
            continue
        try:
            assert not scorer.check(host).flagged, host
        except HostError:  # a public suffix itself (veterinaire.fr): nothing to imitate
            continue


def test_scan_equals_checking_each_line(brands: list[Brand]) -> None:
    scorer = Scorer(brands)
    lines = [
        *EDGES, "  Yuanta-Login.COM. ", "xn--yunta-5ve.com", "yuаnta.com", "元大證券.com",
        "", "   ", "bad..host", "x" * 300, "http://user:pw@yuanta.com.tw/", "fub0n.com",
        "line\nbreak.com", "https://yuanta-app.top/login", "*.yuanta-login.top",
    ]  # fmt: skip
    expected = []
    for line in lines:
        try:
            verdict = scorer.check(line.strip())
        except HostError:
            expected.append(("rejected", line.strip()[:300]))
            continue
        if verdict.flagged:
            expected.append((verdict.domain, line.strip()))
    got = [
        (item.domain, item.input) if isinstance(item, Verdict) else ("rejected", item.input)
        for item in scorer.scan(lines)
    ]
    assert sorted(got) == sorted(expected)
    assert ("yuanta-login.com", "Yuanta-Login.COM.") in got


def test_not_plain_matches_the_per_line_rule() -> None:
    texts = [
        "example.com", "a", "ab", "-ab.com", "ab.com-", ".ab.com", "ab.com.", "xn--p1ai.com",
        "exa mple.com", "例子.com", "a_b.com", "a" * 253, "a" * 254, "", "a.b", "ab\nc",
    ]  # fmt: skip
    expected = {i for i, t in enumerate(texts) if not _plain_host(t)}
    assert not_plain(Lines(texts), _plain_host) == expected
    joinable = [t for t in texts if "\n" not in t]
    assert not_plain(Lines(joinable), _plain_host) == {
        i for i, t in enumerate(joinable) if not _plain_host(t)
    }


def test_lines_map_matches_back_to_their_item() -> None:
    lines = Lines(["a.yuanta.com", "b.com", "", "yuanta.yuanta.net", "c"])
    assert lines.joinable
    assert lines.matching(token_pattern({"yuanta"})) == {0, 3}
    assert lines.matching(token_pattern({"c", "com"})) == {0, 1, 4}
    assert lines.tokens() == {"a", "yuanta", "com", "b", "net", "c"}
    assert not Lines(["a\nb", "c"]).joinable
    # a token is matched whole, never inside a longer label
    assert Lines(["yuantas.com", "xyuanta.com"]).matching(token_pattern({"yuanta"})) == set()
    # holding: the same answer, with str.find for a few labels, the expression for many
    for labels in ({"yuanta"}, {"c", "com"}, {"a", "b", "net"}, {"z"}):
        assert lines.holding(labels) == lines.matching(token_pattern(labels))
    assert lines.holding(set()) == set()
    many = {f"label{i}" for i in range(40)} | {"yuanta", "c"}
    assert lines.holding(many) == {0, 3, 4}
    assert Lines(["aaa.aa", "aa.aaa", "aaa"]).holding({"aa"}) == {0, 1}


def test_near_tokens_and_candidates() -> None:
    near = near_tokens({"yuamta", "google", "kgi", "fubon"}, ["yuanta", "fubon"], {"kgl"})
    assert near == {"yuamta", "kgi", "fubon"}
    assert near_tokens(set(), ["yuanta"], set()) == set()
    assert near_tokens({"yua\nmta", "yuamta", "a\nb"}, ["yuanta"], set()) == {"yuamta", "yua\nmta"}


def test_hosts_with_a_line_break_take_the_per_host_path(brands: list[Brand]) -> None:
    scorer = Scorer(brands)
    hosts = ["yuamta.com", "bad\nyuanta-login.com", "google.com", "fubom.example.com"]
    assert not Lines(hosts).joinable
    assert scorer.prefilter(hosts) == reference(scorer, hosts)
    lines = Lines(["www.google.com", "yuamta.example.net", "x.nosuchtld", "com", "a..b.com"])
    assert candidates(lines, {"yuamta"}, {"com", "net"}) == {1, 2, 3, 4}
    many = {f"t{i}" for i in range(MAX_SUSPECTS + 1)}
    assert candidates(lines, many, {"com", "net"}) is None
