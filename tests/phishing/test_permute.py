"""Lookalike generation: dnstwist (dev-only oracle) is covered, every kind is produced."""

from __future__ import annotations

import dnstwist
import pytest

from brokerguard.phishing.brands import Brand
from brokerguard.phishing.permute import ALL_KINDS, Generator, generate

# real Taiwan broker domains (the first official domain of the sample brands)
TW_BROKER_DOMAINS = (
    "yuanta.com.tw",
    "sinopac.com",
    "fubon.com",
    "kgi.com",
    "capital.com.tw",
    "masterlink.com.tw",
    "concords.com.tw",
)


def _dnstwist(domain: str) -> set[str]:
    fuzzer = dnstwist.Fuzzer(domain)
    fuzzer.generate()
    return {p["domain"] for p in fuzzer.permutations()} - {domain}


@pytest.mark.parametrize("domain", TW_BROKER_DOMAINS)
def test_covers_dnstwist(brands: list[Brand], domain: str) -> None:
    brand = next(b for b in brands if domain in b.domains)
    ours = {c.domain for c in Generator(brand).candidates()}
    theirs = _dnstwist(domain)
    assert len(theirs) > 100
    coverage = len(theirs & ours) / len(theirs)
    assert coverage >= 0.99, sorted(theirs - ours)[:20]


def test_every_kind_is_generated(brands: list[Brand], odd_brand: Brand) -> None:
    kinds = {c.kind for c in generate([*brands, odd_brand])}
    assert kinds == set(ALL_KINDS)


def test_official_domains_are_never_candidates(brands: list[Brand]) -> None:
    for brand in brands[:3]:
        for candidate in Generator(brand).candidates():
            assert not brand.is_official(candidate.domain)


def test_candidates_are_valid_ascii_hosts(brands: list[Brand]) -> None:
    for candidate in Generator(brands[0]).candidates():
        assert candidate.domain.isascii()
        assert len(candidate.domain) <= 253
        assert all(0 < len(label) <= 63 for label in candidate.domain.split("."))


def test_brand_aware_kinds(brands: list[Brand]) -> None:
    yuanta = brands[0]
    by_domain = {c.domain: c.kind for c in Generator(yuanta).candidates()}
    assert by_domain["yuanda.top"] == "romanisation"  # Hanyu pinyin of 元大
    assert by_domain["yuan-ta.vip"] == "romanisation"  # Wade-Giles
    assert by_domain["yuanta-zhengquan.com"] in ("combosquat", "dictionary")
    assert by_domain["yuanta.game.tw"] == "tw-zone"
    assert any(k == "idn-homoglyph" for k in by_domain.values())


def test_kind_filter(brands: list[Brand]) -> None:
    kinds = {c.kind for c in generate(brands[:1], ["omission", "tw-zone"])}
    assert kinds == {"omission", "tw-zone"}
