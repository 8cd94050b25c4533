"""APK analysis speed and memory on the shared fixture APKs (issue 7).

``apk_median_ms`` / ``apk_max_ms``: :func:`brokerguard.mobile.apk.analyze_apk`
(manifest, permissions, flags, components, v1-v3 signers verified, certificates)
per fixture APK, median of 7 runs each; the baseline is androguard's bare
``APK(path)`` parse plus ``get_certificates()``. ``apk_core_max_ms`` skips the
resource table (label, icon); ``apk_full_median_ms`` adds the
dex-string heuristics and finding mapping. ``apk_peak_rss_mb`` is the process
peak resident set size after all runs.
"""

from __future__ import annotations

import json
import resource
import statistics
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from androguard.core.apk import APK

from benchmarks.metric import Metric
from brokerguard.mobile.analysis import analyze_artifact
from brokerguard.mobile.apk import analyze_apk

FIXTURES = Path(__file__).resolve().parents[1] / ".." / "shared" / "fixtures" / "apk"
RUNS = 7


def _apks() -> list[Path]:
    expected = json.loads((FIXTURES / "expected-facts.json").read_text(encoding="utf-8"))
    return [FIXTURES / n for n, facts in sorted(expected.items()) if "error" not in facts]


def _median_ms(function: Callable[[Path], object], path: Path) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        function(path)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _androguard(path: Path) -> object:
    apk = APK(str(path))
    return apk.get_certificates()


def run() -> Iterable[Metric]:
    apks = _apks()
    for path in apks:  # warm imports and caches
        analyze_apk(path)
        _androguard(path)
    ours = [_median_ms(analyze_apk, p) for p in apks]
    bare = [_median_ms(_androguard, p) for p in apks]
    core = [_median_ms(lambda p: analyze_apk(p, resources=False), p) for p in apks]
    full = [_median_ms(analyze_artifact, p) for p in apks]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    yield Metric(
        "apk",
        "apk_median_ms",
        statistics.median(ours),
        "ms",
        "< 200",
        baseline=statistics.median(bare),
    )
    yield Metric("apk", "apk_max_ms", max(ours), "ms", "< 200", baseline=max(bare))
    yield Metric("apk", "apk_core_max_ms", max(core), "ms", "< 200", baseline=max(bare))
    yield Metric("apk", "apk_full_median_ms", statistics.median(full), "ms", "< 500")
    yield Metric("apk", "apk_full_max_ms", max(full), "ms", "< 1000")
    yield Metric("apk", "apk_peak_rss_mb", peak_mb, "MB", "< 300")
