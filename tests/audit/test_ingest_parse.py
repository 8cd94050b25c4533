"""Parsing JSON lines: the plain-event fast path answers exactly as the general path."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from brokerguard.audit.ingest import PreparedEvent, Rejection, parse_event, parse_jsonl
from brokerguard.audit.settings import AuditSettings
from brokerguard.kernel.audit import AuditEvent

NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
AUDIT = AuditSettings()


def mostly(good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Valid values 29 times in 30, so that whole events are often valid."""
    return st.integers(0, 29).flatmap(lambda i: bad if i == 0 else good)


def _times() -> st.SearchStrategy[str]:
    date = mostly(
        st.sampled_from(["2026-11-26", "1999-12-31", "1970-01-01"]),
        st.sampled_from(["1969-12-31", "2026-02-30", "0001-01-01", "2026-11-27", "9999-12-31"]),
    )
    clock = mostly(st.sampled_from(["10:00:00", "23:59:59"]), st.just("00:00:60"))
    sep = st.sampled_from(["T", "T", "T", "t", " "])
    fraction = st.sampled_from(["", ".5", ".123", ".123456", ".1234567", ".12345678"])
    offset = st.sampled_from(["Z", "+08:00", "-05:30", "+00:00", "-00:00", "+23:59", "z", "+08:60"])
    return st.builds(lambda d, s, c, f, o: d + s + c + f + o, date, sep, clock, fraction, offset)


uuids = st.uuids().map(str)
event_ids = mostly(
    uuids, uuids.map(str.upper) | uuids.map(lambda v: v.replace("-", "")) | st.just("nope")
)
text = mostly(st.text(min_size=1, max_size=12), st.sampled_from(["", "x" * 257, "y" * 129]))
optional_text = mostly(st.none() | text, st.integers() | st.just("z" * 16385))
attribute = mostly(st.text(max_size=5) | st.integers(-(2**70), 2**70), st.booleans() | st.floats())
attributes = st.dictionaries(st.text(max_size=4), attribute, max_size=3)
customers = mostly(st.lists(text, max_size=3), st.none() | st.just("C1") | st.just([1]))
events = st.fixed_dictionaries(
    {
        "event_id": event_ids,
        "time": _times(),
        "account": text,
        "function": text,
        "system": mostly(text, st.none()),
        "query": mostly(text, st.none()),
    },
    optional={
        "result_digest": optional_text,
        "actor": optional_text,
        "customer_ids": customers,
        "source_ip": optional_text,
        "user_agent": optional_text,
        "outcome": mostly(st.sampled_from(["success", "failure", None]), st.sampled_from(["x", 1])),
        "correlation_id": optional_text,
        "attributes": mostly(attributes, st.none()),
        "extra": mostly(st.nothing(), st.just(1)),
    },
)


def _general_path(line: str, query_mode: str) -> PreparedEvent | Rejection:
    audit = AuditSettings(query_mode=query_mode)
    return parse_event(json.loads(line), 0, audit, NOW, len(line.encode("utf-8")))


@pytest.mark.slow
@settings(max_examples=800, deadline=None)
@given(event=events, ascii_only=st.booleans(), query_mode=st.sampled_from(["full", "digest"]))
def test_a_line_parses_as_its_json_value_does(
    event: dict[str, Any], ascii_only: bool, query_mode: str
) -> None:
    line = json.dumps(event, ensure_ascii=ascii_only, allow_nan=True)
    good, bad = parse_jsonl([line], AuditSettings(query_mode=query_mode), NOW)
    assert [*good, *bad] == [
        item if isinstance(item, Rejection) else (0, item)
        for item in [_general_path(line, query_mode)]
    ]


def test_a_plain_line_does_not_build_an_audit_event(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> AuditEvent:
        raise AssertionError("the general path was taken")

    line = json.dumps(
        {
            "event_id": str(uuid.uuid4()),
            "time": "2026-11-26T10:00:00.25+08:00",
            "account": "teller01",
            "function": "crm.customer.view",
            "system": "crm",
            "query": "SELECT 1",
            "customer_ids": ["C1"],
            "attributes": {"rows": 1, "page": "2"},
        }
    )
    expected = _general_path(line, "full")
    monkeypatch.setattr(AuditEvent, "model_validate", refuse)
    good, bad = parse_jsonl([line], AUDIT, NOW)
    assert bad == [] and good == [(0, expected)]
    assert good[0][1].time == "2026-11-26T02:00:00.250000Z"


def test_a_line_with_a_lone_surrogate_is_refused_not_crashed_on() -> None:
    good, bad = parse_jsonl(["{bad\ud800", '"x\ud800"'], AUDIT, NOW)
    assert good == []
    assert [(r.index, r.reason[:8]) for r in bad] == [(0, "not JSON"), (1, "an event")]
