"""Full assessment of the demo firm and the self-assessment report in each format, timed.

Builds the demo firm (``brokerguard demo --no-serve``) in a temporary folder, then
times, as the median of a few repetitions: one full assessment run (every check,
roll-up, stored), and the zh-TW report rendered as HTML, PDF and XLSX.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path

from benchmarks.metric import Metric
from brokerguard.assessment.engine import run_assessment
from brokerguard.cli.demo import build_demo
from brokerguard.clock import SystemClock
from brokerguard.db.engine import session_factory, session_scope
from brokerguard.reports import ReportFormat, build_report, render_report
from brokerguard.rulebook import load_rulebook

NAME = "assess"
REPEAT = 5


def _median_seconds(action: Callable[[], object], repeat: int = REPEAT) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def run() -> Iterable[Metric]:
    with tempfile.TemporaryDirectory(prefix="bg-bench-") as folder:
        settings, engine, _ = build_demo(Path(folder) / "demo" / "brokerguard.db")
        factory = session_factory(engine)
        clock = SystemClock()

        def assess() -> None:
            with session_scope(factory) as session:
                run_assessment(session, settings, clock, triggered_by="benchmark")

        yield Metric(NAME, "requirements", len(load_rulebook()), "count", "all IDs")
        yield Metric(NAME, "assess_s", _median_seconds(assess), "s", "< 5 s")
        with session_scope(factory) as session:
            report = build_report(session, settings, clock, "zh-TW")
        for fmt in ReportFormat:
            seconds = _median_seconds(partial(render_report, report, fmt))
            target = "< 10 s" if fmt is ReportFormat.pdf else "< 5 s"
            yield Metric(NAME, f"report_{fmt.value}_s", seconds, "s", target)

        def gather() -> None:
            with session_scope(factory) as session:
                build_report(session, settings, clock, "zh-TW")

        yield Metric(NAME, "report_data_s", _median_seconds(gather), "s", "< 2 s")
        engine.dispose()
