"""Rules fire on generated attack traces and stay quiet on a generated normal day."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from brokerguard.detect.engine import DetectionEngine
from brokerguard.detect.rules import LoginEvent, load_rules, parse_rule
from brokerguard.detect.traces import attack_traces, normal_day
from brokerguard.errors import ValidationError
from brokerguard.kernel.audit import AuditEvent

DAY = datetime(2026, 11, 25, tzinfo=UTC)
LISTS = {"never_login": ["svc-batch", "test01"]}


def _login(event: AuditEvent, seq: int) -> LoginEvent:
    return LoginEvent(
        seq=seq,
        ts=event.time.timestamp(),
        account=event.account,
        function=event.function,
        system=event.system,
        outcome=event.outcome,
        source_ip=event.source_ip,
        user_agent=event.user_agent,
        attributes=event.attributes,
    )


def _run(events: list[AuditEvent]) -> DetectionEngine:
    engine = DetectionEngine(load_rules(), lists=LISTS)
    for seq, event in enumerate(events):
        engine.process(_login(event, seq))
    return engine


def test_packaged_rules_load() -> None:
    ids = {r.id for r in load_rules()}
    assert ids == set(attack_traces(DAY))


def test_normal_day_is_quiet() -> None:
    events = normal_day(DAY)
    assert len(events) > 1000
    assert any(e.outcome == "failure" for e in events)  # typos happen, still quiet
    engine = _run(events)
    assert [(a.rule.id, a.group_key) for a in engine.alerts] == []


@pytest.mark.parametrize("rule_id", sorted(attack_traces(DAY)))
def test_each_attack_fires_its_rule(rule_id: str) -> None:
    trace = attack_traces(DAY)[rule_id]
    engine = _run(normal_day(DAY, customers=50) + trace)
    fired = {a.rule.id for a in engine.alerts}
    assert rule_id in fired


def test_attack_inside_a_normal_day_names_the_group() -> None:
    traces = attack_traces(DAY)
    events = sorted(normal_day(DAY) + traces["login.brute_force"], key=lambda e: e.time)
    engine = _run(events)
    alerts = [(a.rule.id, a.group_key) for a in engine.alerts]
    assert alerts == [("login.brute_force", "A100001")]
    assert engine.alerts[0].count >= 8


def test_below_threshold_stays_quiet() -> None:
    trace = attack_traces(DAY)["login.brute_force"][:7]
    assert _run(trace).alerts == []


def test_spread_out_failures_outside_the_window_stay_quiet() -> None:
    from datetime import timedelta

    trace = attack_traces(DAY)["login.brute_force"]
    spread = [
        e.model_copy(update={"time": DAY + timedelta(minutes=5 * i)}) for i, e in enumerate(trace)
    ]
    assert _run(spread).alerts == []


def test_memory_is_bounded_by_active_groups() -> None:
    from datetime import timedelta

    engine = DetectionEngine(load_rules(), lists=LISTS)
    events = normal_day(DAY, customers=200)
    for day in range(5):
        for seq, event in enumerate(events):
            moved = event.model_copy(update={"time": event.time + timedelta(days=day)})
            engine.process(_login(moved, seq))
        engine.sweep(engine_last := (DAY + timedelta(days=day + 2)).timestamp())
    assert engine.state_size() == 0
    assert engine_last > 0


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("", "rule"),
        ("- a\n- b\n", "rule"),
        ("id: x\n", "id"),
        ("id: [unclosed\n", "rule"),
        (
            "id: abc\ntitle_zh: t\ntitle_en: t\nseverity: high\nwindow: 10y\n",
            "window",
        ),
        (
            "id: abc\ntitle_zh: t\ntitle_en: t\nseverity: high\nselection: {bogus: 1}\n",
            "rule",
        ),
        (
            "id: abc\ntitle_zh: t\ntitle_en: t\nseverity: high\nkind: new_value\n",
            "rule",
        ),
        ("id: abc\ntitle_zh: t\ntitle_en: t\nseverity: extreme\n", "severity"),
        ("a: " + "x" * 70000, "rule"),
        ("!!python/object:os.system {}", "rule"),
    ],
)
def test_malformed_rules_are_refused_with_the_field(text: str, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_rule(text, "bad.yaml")
    assert "bad.yaml" in caught.value.message
    if field != "rule":
        assert caught.value.field is not None and field in caught.value.field


def test_duplicate_rule_ids_are_refused(tmp_path: Path) -> None:
    rule = "id: same.rule\ntitle_zh: t\ntitle_en: t\nseverity: low\n"
    (tmp_path / "a.yaml").write_text(rule)
    (tmp_path / "b.yaml").write_text(rule)
    with pytest.raises(ValidationError, match="twice"):
        load_rules(tmp_path)


def test_yaml_alias_bomb_is_refused_quickly() -> None:
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 12):
        lines.append(f"a{i}: &a{i} [{', '.join(['*a' + str(i - 1)] * 9)}]")
    bomb = "\n".join(lines) + "\nid: bomb.rule\ntitle_zh: t\ntitle_en: t\nseverity: low\n"
    bomb += "selection:\n  account: *a11\n"
    with pytest.raises(ValidationError):
        parse_rule(bomb, "bomb.yaml")
