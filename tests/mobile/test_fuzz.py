"""Property tests: any byte string or corrupted fixture gives a report or a typed error."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brokerguard.errors import BrokerguardError
from brokerguard.mobile.analysis import analyze_artifact_bytes
from brokerguard.mobile.apk_signing import SigningBlockError, verify_scheme_signers
from tests.mobile.apkbuild import build_ipa
from tests.mobile.conftest import APK_DIR

TINY_V3 = (APK_DIR / "golden-aligned-v1v2v3-lineage-out.apk").read_bytes()
IPA = build_ipa()


def _analyse(raw: bytes) -> None:
    try:
        analyze_artifact_bytes("fuzz.apk", raw)
    except BrokerguardError as error:
        assert "fuzz.apk" in error.message


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096))
def test_random_bytes(raw: bytes) -> None:
    _analyse(raw)


@pytest.mark.parametrize("base", [TINY_V3, IPA], ids=["apk", "ipa"])
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_artifacts(base: bytes, data: st.DataObject) -> None:
    raw = bytearray(base)
    for _ in range(data.draw(st.integers(1, 8))):
        position = data.draw(st.integers(0, len(raw) - 1))
        raw[position] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(len(raw) // 2, len(raw)))
    _analyse(bytes(raw[:cut]))


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_signing_block_mutations(data: st.DataObject) -> None:
    raw = bytearray(TINY_V3)
    start = raw.find(b"APK Sig Block 42") - 2000
    for _ in range(data.draw(st.integers(1, 6))):
        position = data.draw(st.integers(max(start, 0), len(raw) - 1))
        raw[position] = data.draw(st.integers(0, 255))
    try:
        v2, v3 = verify_scheme_signers(bytes(raw))
    except SigningBlockError:
        return
    assert all(isinstance(s.verified, bool) for s in [*v2, *v3])


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_header_field_mutations(data: st.DataObject) -> None:
    """Flip bits in the ZIP headers themselves (flags, methods, sizes, offsets)."""
    raw = bytearray(TINY_V3)
    headers = [i for i in range(len(raw) - 4) if raw[i : i + 2] == b"PK"]
    for _ in range(data.draw(st.integers(1, 4))):
        start = data.draw(st.sampled_from(headers))
        position = min(start + data.draw(st.integers(4, 45)), len(raw) - 1)
        raw[position] ^= 1 << data.draw(st.integers(0, 7))
    _analyse(bytes(raw))
