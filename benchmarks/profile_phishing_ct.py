"""Where one CT poll's time goes: ``python -m benchmarks.profile_phishing_ct [TOP]``.

The poll of ``benchmarks/phishing_ct.py`` (5 000 realistic entries from a loopback
RFC 6962 log in its own process, scored against the ten brands, cases in SQLite)
runs twice to warm up, then once under ``cProfile``; the functions with the most
own time (``tottime``) are printed, with the same run's rate and baseline. cProfile
sees the main thread only: the page fetched ahead (JSON, base64: a thread) and the
names read in the helper process (``ct/reader.py``) show as the main thread's
waits (``Future.result``). For the whole picture, sample every thread with
``py-spy record --idle --threads``.
"""

from __future__ import annotations

import cProfile
import pstats
import sys

from benchmarks.phishing_ct import BRANDS, ENTRIES, _baseline, _poll, loopback_bench
from brokerguard.phishing.brands import load_brands
from brokerguard.phishing.scoring import Scorer


def main(top: int = 25) -> None:
    scorer = Scorer(load_brands(BRANDS))
    with loopback_bench(ENTRIES) as bench:
        bench.visible.value = ENTRIES
        fetched = bench.fetched(ENTRIES)
        for _ in range(2):
            bench.reset()
            elapsed, entries = _poll(bench.url, bench.log_url, scorer)
            print(f"poll {entries / elapsed:,.0f} entries/s, baseline {_baseline(fetched):,.0f}/s")
        bench.reset()
        profile = cProfile.Profile()
        profile.enable()
        _poll(bench.url, bench.log_url, scorer)
        profile.disable()
    pstats.Stats(profile).sort_stats("tottime").print_stats(top)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 25)
