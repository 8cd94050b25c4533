"""Rulebook: parse the 13 article files, export the OSCAL catalog, look up IDs."""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import UTC, datetime

import yaml

from benchmarks.metric import Metric
from brokerguard.rulebook import load_rulebook, loader, require_known
from brokerguard.rulebook.loader import DATA_DIR, load_from
from brokerguard.rulebook.oscal import catalog, dumps

ROUNDS = 20
LOOKUPS = 100_000


def _best_ms(function: object, rounds: int = ROUNDS) -> float:
    assert callable(function)
    best = float("inf")
    for _ in range(rounds):
        tick = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - tick)
    return best * 1000


def run() -> Iterable[Metric]:
    rulebook = load_from(DATA_DIR)
    yield Metric("rulebook", "entries", len(rulebook), "count", ">= 65")
    fast = _best_ms(lambda: load_from(DATA_DIR))
    chosen = loader._Loader
    loader._Loader = yaml.SafeLoader  # the pure-Python parser, as the baseline
    try:
        pure = _best_ms(lambda: load_from(DATA_DIR), rounds=3)
    finally:
        loader._Loader = chosen
    yield Metric("rulebook", "parse_all_files", fast, "ms", "< 100", baseline=pure)
    when = datetime(2026, 11, 26, tzinfo=UTC)
    yield Metric(
        "rulebook",
        "oscal_catalog_export",
        _best_ms(lambda: dumps(catalog(rulebook, generated_at=when))),
        "ms",
        "< 200",
    )
    load_rulebook()
    ids = [r.id for r in rulebook]
    tick = time.perf_counter()
    for i in range(LOOKUPS):
        require_known(ids[i % len(ids)])
    per_lookup_us = (time.perf_counter() - tick) / LOOKUPS * 1e6
    yield Metric("rulebook", "require_known", per_lookup_us, "us/lookup", "< 5")
