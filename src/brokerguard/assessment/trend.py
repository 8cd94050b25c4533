"""The pass-rate trend as a server-rendered SVG line chart (no JavaScript)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

from brokerguard.assessment.service import RunSummary

WIDTH = 640
HEIGHT = 220
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 14, 34
MIN_LABEL_GAP = 100


def _x(index: int, count: int) -> float:
    span = WIDTH - LEFT - RIGHT
    return LEFT + (span * index / (count - 1) if count > 1 else span / 2)


def _y(rate: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1.0 - max(0.0, min(1.0, rate)))


def _labelled(points: Sequence[tuple[float, float]], texts: Sequence[str]) -> list[int]:
    """Indices of the points whose date is written: the last, then leftwards, never crowded
    and never the same date twice (several runs on one day are labelled once, at the latest)."""
    chosen: list[int] = []
    written: set[str] = set()
    for i in range(len(points) - 1, -1, -1):
        if texts[i] in written:
            continue
        if not chosen or points[chosen[-1]][0] - points[i][0] >= MIN_LABEL_GAP:
            chosen.append(i)
            written.add(texts[i])
    return sorted(chosen)


def trend_svg(
    history: Sequence[RunSummary],
    *,
    label: Callable[[RunSummary], str],
    title: str,
    empty_text: str,
) -> str:
    """An accessible SVG of the pass rate per run, oldest left; ``label`` formats a run's date."""
    parts = [
        f'<svg class="trend" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for tick in (0, 25, 50, 75, 100):
        y = _y(tick / 100)
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" class="grid"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" class="axis">{tick}%</text>'
        )
    if not history:
        parts.append(
            f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" class="axis">'
            f"{escape(empty_text)}</text></svg>"
        )
        return "".join(parts)
    count = len(history)
    points = [(_x(i, count), _y(run.pass_rate)) for i, run in enumerate(history)]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    parts.append(f'<polyline points="{path}" class="line"/>')
    texts = [label(run) for run in history]
    for run, text, (x, y) in zip(history, texts, points, strict=True):
        rate = round(run.pass_rate * 100)
        total = run.passed + run.failed + run.manual + run.errors
        text = f"{text}: {rate}% ({run.passed}/{total})"
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" class="dot"><title>{escape(text)}</title>'
            "</circle>"
        )
    for i in _labelled(points, texts):
        x = points[i][0]
        anchor = "middle"
        if count > 1 and i == 0:
            anchor = "start"
        elif count > 1 and i == count - 1:
            anchor = "end"
        parts.append(
            f'<text x="{x:.1f}" y="{HEIGHT - 12}" text-anchor="{anchor}" class="axis">'
            f"{escape(texts[i])}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
