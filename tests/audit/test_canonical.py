"""Canonical JSON: the fast builders agree with json.dumps(sort_keys=True) on any input."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from brokerguard.audit.canonical import (
    attributes_json,
    canonical_dumps,
    customer_ids_json,
    format_time,
    record_json,
    sqlite_time,
)

text = st.text(max_size=40)
optional = st.none() | text


@settings(max_examples=300, deadline=None)
@given(
    seq=st.integers(min_value=0, max_value=2**62),
    account=text.filter(bool),
    query=optional,
    digest=optional,
    actor=optional,
    ip=optional,
    agent=optional,
    outcome=st.none() | st.sampled_from(["success", "failure"]),
    correlation=optional,
    customers=st.lists(text.filter(bool), max_size=4),
    attributes=st.dictionaries(text, st.integers(-(2**40), 2**40) | text, max_size=4),
)
def test_record_json_matches_json_dumps(
    seq: int,
    account: str,
    query: str | None,
    digest: str | None,
    actor: str | None,
    ip: str | None,
    agent: str | None,
    outcome: str | None,
    correlation: str | None,
    customers: list[str],
    attributes: dict[str, str | int],
) -> None:
    fields: dict[str, Any] = {
        "seq": seq,
        "recorded_at": "2026-11-26T02:00:00.000001Z",
        "event_id": "6f1c1f5e-9d35-4c4b-8b1f-2f1d6c1e0a11",
        "time": "2026-11-26T01:59:59.500000Z",
        "account": account,
        "function": "crm.customer.view",
        "system": "crm",
        "query": query,
        "result_digest": digest,
        "actor": actor,
        "customer_ids": customer_ids_json(customers),
        "source_ip": ip,
        "user_agent": agent,
        "outcome": outcome,
        "correlation_id": correlation,
        "attributes": attributes_json(attributes),
    }
    oracle = {k: v for k, v in fields.items() if v is not None}
    oracle["customer_ids"] = customers
    oracle["attributes"] = attributes
    expected = json.dumps(oracle, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert record_json(**fields) == expected
    assert record_json(*fields.values()) == expected  # a stored row, in column order


def test_times_are_utc_with_microseconds() -> None:
    taipei = timezone(timedelta(hours=8))
    assert format_time(datetime(2026, 11, 26, 10, 0, tzinfo=taipei)) == (
        "2026-11-26T02:00:00.000000Z"
    )
    assert format_time(datetime(2026, 11, 26, 2, 0, 0, 5)) == "2026-11-26T02:00:00.000005Z"
    assert format_time("2026-11-26 02:00:00") == "2026-11-26T02:00:00.000000Z"
    assert format_time("2026-11-26 02:00:00.123456") == "2026-11-26T02:00:00.123456Z"
    assert sqlite_time("2026-11-26T02:00:00.123456Z") == "2026-11-26 02:00:00.123456"
    assert format_time(datetime(2026, 1, 1, tzinfo=UTC)) == "2026-01-01T00:00:00.000000Z"


@pytest.mark.parametrize("bad", [1.5, True, {"a": 0.1}, [False]])
def test_floats_and_booleans_are_refused(bad: object) -> None:
    with pytest.raises(ValueError):
        canonical_dumps(bad)
    with pytest.raises(ValueError):
        attributes_json({"x": bad})  # type: ignore[dict-item]


def test_gc_pause_restores_the_previous_state() -> None:
    import gc

    from brokerguard.audit.ingest import gc_paused

    assert gc.isenabled()
    with pytest.raises(RuntimeError), gc_paused():
        assert not gc.isenabled()
        raise RuntimeError("boom")
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()  # it was off before: left off
    finally:
        gc.enable()
