from __future__ import annotations

import struct

import pytest

from brokerguard.mobile.dex_strings import DexFormatError, dex_strings
from brokerguard.mobile.heuristics import scan_strings
from tests.mobile.apkbuild import dex_with_strings


def test_dex_strings_round_trip() -> None:
    values = ("a", "/system/xbin/su", "中文")
    assert list(dex_strings(dex_with_strings(values))) == list(values)


def test_signals() -> None:
    signals = scan_strings(
        [
            "/system/xbin/su",
            "isDebuggerConnected",
            "adb_enabled",
            "http://api.demosec.com.tw/quote",
            "http://schemas.android.com/apk/res/android",
            "AKIAABCDEFGHIJKLMNOP",
            "password=hunter2hunter2",
        ]
    )
    assert signals.root_detection == ["/system/xbin/su"]
    assert signals.debugger_detection == ["isdebuggerconnected"]
    assert signals.adb_detection == ["adb_enabled"]
    assert signals.http_urls == ["http://api.demosec.com.tw/quote"]
    assert len(signals.secrets) == 2
    joined = " ".join(signals.secrets)
    assert "AKIAABCDEFGHIJKLMNOP" not in joined and "hunter2" not in joined


def test_absent_signals() -> None:
    signals = scan_strings(["hello", "world"])
    assert not signals.root_detection and not signals.http_urls and signals.strings_scanned == 2


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"dex\n035\x00",
        b"notadex" + b"\x00" * 200,
        b"dex\n035\x00" + b"\x00" * 0x30 + struct.pack("<II", 10**7, 0x70) + b"\x00" * 0x30,
        b"dex\n035\x00" + b"\x00" * 0x30 + struct.pack("<II", 1, 0x70) + b"\x00" * 0x30,
        b"dex\n035\x00"
        + b"\x00" * 0x30
        + struct.pack("<II", 1, 0x70)
        + b"\x00" * 0x30
        + struct.pack("<I", 10**6),
    ],
)
def test_malformed_dex(data: bytes) -> None:
    with pytest.raises(DexFormatError):
        list(dex_strings(data))


def test_bad_dex_in_apk_is_noted_not_fatal(tmp_path: object) -> None:
    from brokerguard.mobile.analysis import analyze_artifact_bytes
    from tests.mobile.apkbuild import make_signer, rebuild_apk
    from tests.mobile.conftest import TINY

    raw = rebuild_apk(TINY, make_signer(), extra={"classes2.dex": b"garbage"})
    report = analyze_artifact_bytes("bad-dex.apk", raw)
    assert report.signals.unreadable and "classes2.dex" in report.signals.unreadable[0]
