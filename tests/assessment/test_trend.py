from __future__ import annotations

from datetime import UTC, datetime
from itertools import pairwise

from brokerguard.assessment.service import RunSummary
from brokerguard.assessment.trend import trend_svg


def _run(day: int, passed: int, failed: int) -> RunSummary:
    return RunSummary(
        f"r{day}", datetime(2026, 11, day, tzinfo=UTC), "all", passed, failed, 0, 0, 1
    )


def test_empty_history_says_so() -> None:
    svg = trend_svg([], label=lambda r: "", title="t", empty_text="nothing yet")
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "nothing yet" in svg
    assert "<polyline" not in svg


def test_points_follow_the_pass_rate() -> None:
    history = [_run(1, 0, 4), _run(2, 2, 2), _run(3, 4, 0)]
    svg = trend_svg(history, label=lambda r: r.run_id, title="rate", empty_text="")
    assert svg.count("<circle") == 3
    assert "r1: 0% (0/4)" in svg and "r2: 50% (2/4)" in svg and "r3: 100% (4/4)" in svg
    points = svg.split('points="')[1].split('"')[0].split()
    ys = [float(p.split(",")[1]) for p in points]
    assert ys[0] > ys[1] > ys[2]  # higher rate is drawn higher (smaller y)


def test_labels_and_title_are_escaped() -> None:
    svg = trend_svg([_run(1, 1, 1)], label=lambda r: "<b>&", title='"><script>', empty_text="")
    assert "<script>" not in svg and "<b>" not in svg
    assert "&lt;b&gt;&amp;" in svg


def test_dates_are_not_crowded_and_the_latest_is_labelled() -> None:
    history = [_run(day, day, 30 - day) for day in range(1, 29)]
    svg = trend_svg(history, label=lambda r: f"L{r.run_id}", title="t", empty_text="")
    labels = svg.split("<text ")[6:]  # after the five axis ticks
    xs = [float(part.split('x="')[1].split('"')[0]) for part in labels]
    assert 2 <= len(xs) <= 7
    assert all(b - a >= 100 for a, b in pairwise(xs))
    assert "Lr28" in labels[-1]


def test_several_runs_on_one_day_write_the_date_once() -> None:
    history = [_run(day, day, 10) for day in (1, 1, 1, 1, 2, 2, 2, 2)]
    svg = trend_svg(history, label=lambda r: f"11/{r.finished_at.day}", title="t", empty_text="")
    labels = [part.split(">", 1)[1].split("<", 1)[0] for part in svg.split("<text ")[6:]]
    assert labels == ["11/1", "11/2"]
    assert svg.count("<circle") == 8  # every run keeps its point
