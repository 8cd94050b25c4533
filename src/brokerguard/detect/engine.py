"""Streaming evaluation of detection rules over login events, in ``seq`` order.

State per rule and group is a sliding window (a deque of times, plus value counts for
``distinct`` rules); groups idle for longer than the window are dropped, so memory
depends on the number of active groups, never on the number of events seen.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from brokerguard.clock import TAIPEI
from brokerguard.detect.rules import (
    LoginEvent,
    Matcher,
    Rule,
    compile_rule,
    functions_of,
    getter,
)

SWEEP_EVERY = 20_000


@dataclass
class AlertCandidate:
    rule: Rule
    group_key: str
    first_ts: float
    last_ts: float
    count: int
    first_seq: int
    last_seq: int
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def first_seen(self) -> datetime:
        return datetime.fromtimestamp(self.first_ts, UTC)

    @property
    def last_seen(self) -> datetime:
        return datetime.fromtimestamp(self.last_ts, UTC)


@dataclass
class _Window:
    times: deque[tuple[float, int, Any]] = field(default_factory=deque)
    values: Counter[Any] = field(default_factory=Counter)
    alert: AlertCandidate | None = None


class _Compiled:
    def __init__(self, rule: Rule, lists: Mapping[str, Sequence[str]]) -> None:
        self.rule = rule
        self.match: Matcher = compile_rule(rule, lists)
        self.group = [getter(g) for g in rule.group_by]
        self.distinct = getter(rule.distinct) if rule.distinct else None
        self.value = getter(rule.value) if rule.value else None
        self.window = float(rule.window_s)
        self.state: dict[str, _Window] = {}

    def key(self, event: LoginEvent) -> str:
        if len(self.group) == 1:
            return str(self.group[0](event))
        return "|".join(str(g(event)) for g in self.group)


class DetectionEngine:
    """Feed events with :meth:`process`; collect alerts from :attr:`alerts`."""

    def __init__(
        self,
        rules: Iterable[Rule],
        *,
        lists: Mapping[str, Sequence[str]] | None = None,
        seen: Mapping[tuple[str, str], set[str]] | None = None,
    ) -> None:
        self.compiled = [_Compiled(r, lists or {}) for r in rules]
        # dispatch by function: only the rules that can match an event's function run
        self._any = [c for c in self.compiled if functions_of(c.rule) is None]
        self._by_function: dict[str, list[_Compiled]] = {}
        for item in self.compiled:
            for name in functions_of(item.rule) or ():
                self._by_function.setdefault(name, []).append(item)
        # new_value memory: (rule value field, group key) -> values seen
        self.seen: dict[tuple[str, str], set[str]] = {k: set(v) for k, v in (seen or {}).items()}
        self.new_seen: list[tuple[str, str, str, float]] = []
        self.alerts: list[AlertCandidate] = []
        self.events = 0
        self._daily: dict[tuple[str, str, str], AlertCandidate] = {}

    def process(self, event: LoginEvent, *, warm: bool = False) -> None:
        """Update state with ``event``; with ``warm`` no alert is raised (replayed history)."""
        self.events += 1
        candidates = self._by_function.get(event.function, ())
        for item in (*candidates, *self._any) if self._any else candidates:
            if not item.match(event):
                continue
            kind = item.rule.kind
            if kind == "threshold":
                self._threshold(item, event, warm)
            elif kind == "new_value":
                self._new_value(item, event, warm)
            else:
                self._time_of_day(item, event, warm)
        if self.events % SWEEP_EVERY == 0:
            self.sweep(event.ts)

    def _threshold(self, item: _Compiled, event: LoginEvent, warm: bool) -> None:
        key = item.key(event)
        window = item.state.get(key)
        if window is None:
            window = item.state[key] = _Window()
        horizon = event.ts - item.window
        times = window.times
        while times and times[0][0] < horizon:
            _, _, old = times.popleft()
            if item.distinct is not None:
                window.values[old] -= 1
                if window.values[old] <= 0:
                    del window.values[old]
        value = item.distinct(event) if item.distinct is not None else None
        times.append((event.ts, event.seq, value))
        if item.distinct is not None:
            window.values[value] += 1
            count = len(window.values)
        else:
            count = len(times)
        if warm:
            return
        alert = window.alert
        if alert is not None and alert.last_ts >= horizon:
            alert.last_ts, alert.last_seq = event.ts, event.seq
            alert.count = max(alert.count, count)
            return
        if count >= item.rule.threshold:
            window.alert = AlertCandidate(
                item.rule,
                key,
                times[0][0],
                event.ts,
                count,
                times[0][1],
                event.seq,
                {"group_by": ",".join(item.rule.group_by)},
            )
            self.alerts.append(window.alert)

    def _new_value(self, item: _Compiled, event: LoginEvent, warm: bool) -> None:
        assert item.value is not None
        raw = item.value(event)
        if raw is None or raw == "":
            return
        value = str(raw)[:256]
        key = item.key(event)
        kind = item.rule.value or ""
        known = self.seen.get((kind, key))
        if known is None:
            self.seen[(kind, key)] = {value}
            if not warm:
                self.new_seen.append((key, kind, value, event.ts))
            return  # first login ever: the baseline, no alert
        if value in known:
            return
        known.add(value)
        if warm:
            return
        self.new_seen.append((key, kind, value, event.ts))
        self.alerts.append(
            AlertCandidate(
                item.rule,
                key,
                event.ts,
                event.ts,
                1,
                event.seq,
                event.seq,
                {"field": kind, "value": value, "known": ",".join(sorted(known - {value}))[:400]},
            )
        )

    def _time_of_day(self, item: _Compiled, event: LoginEvent, warm: bool) -> None:
        assert item.rule.hours is not None
        local = datetime.fromtimestamp(event.ts, TAIPEI)
        start, end = item.rule.hours
        inside = (
            start <= local.hour < end if start < end else (local.hour >= start or local.hour < end)
        )
        if not inside or warm:
            return
        key = item.key(event)
        day_key = (item.rule.id, key, local.date().isoformat())
        alert = self._daily.get(day_key)
        if alert is not None:
            alert.count += 1
            alert.last_ts, alert.last_seq = event.ts, event.seq
            return
        alert = AlertCandidate(
            item.rule,
            key,
            event.ts,
            event.ts,
            1,
            event.seq,
            event.seq,
            {"local_time": f"{local:%H:%M}"},
        )
        self._daily[day_key] = alert
        self.alerts.append(alert)

    def sweep(self, now_ts: float) -> None:
        """Forget groups idle for longer than their rule's window (bounded memory)."""
        for item in self.compiled:
            horizon = now_ts - item.window
            stale = [k for k, w in item.state.items() if not w.times or w.times[-1][0] < horizon]
            for key in stale:
                del item.state[key]
        if len(self._daily) > 100_000:
            self._daily.clear()

    def state_size(self) -> int:
        return sum(len(i.state) for i in self.compiled)
