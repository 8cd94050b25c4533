from __future__ import annotations

import io
import zipfile

from brokerguard.mobile.apk import analyze_apk_bytes
from brokerguard.mobile.apk_v1 import parse_sections
from tests.mobile.conftest import APK_DIR

V1 = APK_DIR / "golden-aligned-v1-out.apk"


def _rewrite(changes: dict[str, bytes], drop: tuple[str, ...] = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(V1) as source, zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            if info.filename in drop:
                continue
            data = changes.pop(info.filename, None)
            target.writestr(info, data if data is not None else source.read(info.filename))
        for name, data in changes.items():
            target.writestr(name, data)
    return buffer.getvalue()


def _v1(raw: bytes) -> tuple[bool, list[str]]:
    facts = analyze_apk_bytes("v1.apk", raw)
    v1 = [s for s in facts.signers if s.scheme == "v1"]
    assert v1
    return all(s.verified for s in v1), facts.broken_signatures


def test_intact_v1_verifies() -> None:
    ok, broken = _v1(V1.read_bytes())
    assert ok and broken == []


def test_added_entry_breaks_v1() -> None:
    ok, broken = _v1(_rewrite({"assets/injected.bin": b"payload"}))
    assert not ok
    assert any("assets/injected.bin" in b and "not in MANIFEST.MF" in b for b in broken)


def test_changed_entry_breaks_v1() -> None:
    ok, broken = _v1(
        _rewrite({"resources.arsc": zipfile.ZipFile(V1).read("resources.arsc")[:-4] + b"XXXX"})
    )
    assert not ok
    assert any("resources.arsc: digest does not match" in b for b in broken)


def test_changed_manifest_breaks_sf() -> None:
    manifest = zipfile.ZipFile(V1).read("META-INF/MANIFEST.MF")
    extra = manifest + b"Name: assets/x\r\nSHA-256-Digest: AAAA\r\n\r\n"
    ok, broken = _v1(_rewrite({"META-INF/MANIFEST.MF": extra, "assets/x": b"x"}))
    assert not ok
    assert any(".SF" in b for b in broken)


def test_removed_entry_is_reported() -> None:
    ok, broken = _v1(_rewrite({}, drop=("resources.arsc",)))
    assert not ok
    assert any("resources.arsc, which is not in the APK" in b for b in broken)


def test_manifest_sections_keep_bytes_and_continuations() -> None:
    data = (
        b"Manifest-Version: 1.0\r\n\r\n"
        b"Name: res/a-very-long-na\r\n me.png\r\nSHA-256-Digest: x\r\n\r\n"
    )
    sections = parse_sections(data)
    assert sections[1].name == "res/a-very-long-name.png"
    assert b"".join(s.raw for s in sections) == data
