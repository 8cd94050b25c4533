from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from brokerguard.mobile.apk import ApkFacts, analyze_apk, analyze_apk_bytes
from brokerguard.mobile.archive import ArchiveLimits
from brokerguard.mobile.errors import ArtifactError, ArtifactTooLargeError
from tests.conftest import FIXTURES
from tests.mobile.hostile import bomb_zip, declared_too_large_zip, traversal_zip, zip_bytes

APK_DIR = FIXTURES / "apk"
EXPECTED: dict[str, dict[str, object]] = json.loads(
    (APK_DIR / "expected-facts.json").read_text(encoding="utf-8")
)
GOOD = sorted(name for name, facts in EXPECTED.items() if "error" not in facts)
BAD = sorted(name for name, facts in EXPECTED.items() if "error" in facts)


def test_oracle_lists_every_fixture() -> None:
    on_disk = {p.name for p in APK_DIR.glob("*.apk")}
    assert on_disk == set(EXPECTED)
    assert len(GOOD) >= 14 and BAD == ["multidex.apk"]


@pytest.mark.parametrize("name", GOOD)
def test_facts_agree_with_oracle(name: str) -> None:
    facts = analyze_apk(APK_DIR / name).to_dict()
    for key, expected in EXPECTED[name].items():
        assert facts[key] == expected, key


def test_multidex_without_manifest_is_a_typed_error() -> None:
    with pytest.raises(ArtifactError) as caught:
        analyze_apk(APK_DIR / "multidex.apk")
    assert caught.value.code == "artifact_manifest_invalid"
    assert "multidex.apk" in caught.value.message
    assert "AndroidManifest.xml" in caught.value.message


def test_broken_second_signer_is_reported_not_verified() -> None:
    facts = analyze_apk(APK_DIR / "two-signers-second-signer-v2-broken.apk")
    v2 = [s for s in facts.signers if s.scheme == "v2"]
    assert [s.verified for s in v2] == [True, False]
    assert v2[1].cert_sha256.startswith("6a8b96e2")
    assert len(facts.broken_signatures) == 1
    assert facts.signing_certificates[0].startswith("fb5dbd3c")
    assert not any(c.startswith("6a8b") for c in facts.signing_certificates)
    assert facts.to_dict()["signing_certificates"] == facts.signing_certificates
    assert any(c.startswith("6a8b") for c in facts.cert_sha256)  # the oracle lists it


def test_both_signers_verify_on_intact_two_signer_apk() -> None:
    facts = analyze_apk(APK_DIR / "two-signers.apk")
    assert all(s.verified for s in facts.signers)
    assert facts.broken_signatures == []


def test_v3_lineage_lists_old_then_new_certificate() -> None:
    facts = analyze_apk(APK_DIR / "golden-aligned-v1v2v3-lineage-out.apk")
    assert (
        facts.v3_lineage_sha256 == EXPECTED["golden-aligned-v1v2v3-lineage-out.apk"]["cert_sha256"]
    )
    plain = analyze_apk(APK_DIR / "golden-aligned-v1v2v3-out.apk")
    assert plain.v3_lineage_sha256 == []


def test_modified_after_signing_breaks_v2_digest() -> None:
    raw = bytearray((APK_DIR / "golden-aligned-v2-out.apk").read_bytes())
    eocd = raw.rfind(b"PK\x05\x06")
    comment = b"tampered after signing"
    raw[eocd + 20 : eocd + 22] = len(comment).to_bytes(2, "little")
    facts = analyze_apk_bytes("tampered.apk", bytes(raw[: eocd + 22]) + comment)
    assert [s.verified for s in facts.signers] == [False]
    assert "content digest" in facts.broken_signatures[0]
    assert facts.signing_certificates == []


@pytest.mark.parametrize(
    ("name", "debuggable"),
    [
        ("debuggable-boolean.apk", True),
        ("TC-debug.apk", True),
        ("app-prod-debug.apk", True),
        ("TestActivity.apk", True),
        ("a2dp.Vol_137.apk", False),
        ("golden-aligned-v1-out.apk", False),
    ],
)
def test_debuggable_property(name: str, debuggable: bool) -> None:
    assert analyze_apk(APK_DIR / name).is_debuggable is debuggable


def test_permission_protection_levels() -> None:
    facts = analyze_apk(APK_DIR / "a2dp.Vol_137.apk")
    levels = {p.name: p for p in facts.permission_details}
    assert levels["android.permission.READ_CONTACTS"].dangerous
    assert levels["android.permission.BLUETOOTH"].protection_level == "normal"
    assert levels["com.android.launcher.permission.READ_SETTINGS"].aosp is False
    assert [p.name for p in facts.permission_details] == facts.permissions


def test_exported_components_and_guards() -> None:
    facts = analyze_apk(APK_DIR / "a2dp.Vol_137.apk")
    names = {c.name: c for c in facts.exported_components}
    assert "a2dp.Vol.main" in names
    guarded = names["a2dp.Vol.NotificationCatcher"]
    assert guarded.permission == "android.permission.BIND_NOTIFICATION_LISTENER_SERVICE"
    assert guarded not in facts.unguarded_exports
    assert "a2dp.Vol.ManageData" not in names  # no intent filter, not exported


def test_label_and_icon_for_counterfeit_detection() -> None:
    facts = analyze_apk(APK_DIR / "a2dp.Vol_137.apk")
    assert facts.app_label == "A2DP Volume"
    assert facts.icon_bytes is not None and facts.icon_bytes.startswith(b"\x89PNG")
    assert len(facts.artifact_sha256) == 64


def test_facts_are_frozen() -> None:
    facts = analyze_apk(APK_DIR / "golden-aligned-v1-out.apk")
    assert isinstance(facts, ApkFacts)
    with pytest.raises(AttributeError):
        facts.package = "x"  # type: ignore[misc]


def test_cleartext_default_depends_on_target_sdk() -> None:
    old = analyze_apk(APK_DIR / "com.teleca.jamendo_35.apk")
    assert old.uses_cleartext is None and old.allows_cleartext


def test_missing_file_is_typed(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError) as caught:
        analyze_apk(tmp_path / "nope.apk")
    assert caught.value.code == "artifact_not_found"


def test_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError):
        analyze_apk(tmp_path)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.apk"
    path.write_bytes(b"")
    with pytest.raises(ArtifactError) as caught:
        analyze_apk(path)
    assert caught.value.code == "artifact_empty"


def test_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "text.apk"
    path.write_bytes(b"hello, I am not an archive")
    with pytest.raises(ArtifactError) as caught:
        analyze_apk(path)
    assert caught.value.code == "artifact_not_zip"
    assert "text.apk" in caught.value.message


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.95])
def test_truncated_apk(tmp_path: Path, keep: float) -> None:
    raw = (APK_DIR / "a2dp.Vol_137.apk").read_bytes()
    path = tmp_path / "cut.apk"
    path.write_bytes(raw[: int(len(raw) * keep)])
    with pytest.raises(ArtifactError) as caught:
        analyze_apk(path)
    assert caught.value.code in ("artifact_truncated", "artifact_corrupt")


def test_corrupt_manifest_bytes(tmp_path: Path) -> None:
    raw = zip_bytes({"AndroidManifest.xml": b"\x03\x00\x08\x00" + b"\xff" * 200})
    with pytest.raises(ArtifactError) as caught:
        analyze_apk_bytes("garbage.apk", raw)
    assert caught.value.code in ("artifact_manifest_invalid", "artifact_corrupt")


def test_text_manifest_is_refused() -> None:
    raw = zip_bytes({"AndroidManifest.xml": b"<manifest package='x'/>"})
    with pytest.raises(ArtifactError):
        analyze_apk_bytes("text-manifest.apk", raw)


def test_crc_mismatch_is_corrupt(tmp_path: Path) -> None:
    source = APK_DIR / "golden-aligned-v1-out.apk"
    raw = bytearray(source.read_bytes())
    start = raw.find(b"AndroidManifest.xml") + len("AndroidManifest.xml")
    raw[start + 10] ^= 0xFF
    with pytest.raises(ArtifactError):
        analyze_apk_bytes("crc.apk", bytes(raw))


def test_zip_bomb_ratio() -> None:
    with pytest.raises(ArtifactError) as caught:
        analyze_apk_bytes("bomb.apk", bomb_zip())
    assert caught.value.code == "artifact_zip_bomb"


def test_declared_huge_entry() -> None:
    with pytest.raises(ArtifactError) as caught:
        analyze_apk_bytes("huge.apk", declared_too_large_zip())
    assert caught.value.code in ("artifact_zip_bomb", "artifact_truncated", "artifact_corrupt")


def test_total_size_limit() -> None:
    limits = ArchiveLimits(max_total_bytes=1000, ratio_floor_bytes=10**9)
    raw = zip_bytes({f"f{i}": b"x" * 600 for i in range(3)})
    with pytest.raises(ArtifactError) as caught:
        analyze_apk_bytes("many.apk", raw, limits)
    assert caught.value.code == "artifact_zip_bomb"


def test_entry_count_limit() -> None:
    limits = ArchiveLimits(max_entries=5)
    raw = zip_bytes({f"f{i}": b"x" for i in range(6)})
    with pytest.raises(ArtifactError) as caught:
        analyze_apk_bytes("entries.apk", raw, limits)
    assert caught.value.code == "artifact_zip_bomb"


def test_huge_manifest() -> None:
    limits = ArchiveLimits(max_manifest_bytes=1024)
    raw = zip_bytes({"AndroidManifest.xml": bytes(range(256)) * 16})
    with pytest.raises(ArtifactTooLargeError):
        analyze_apk_bytes("bigmanifest.apk", raw, limits)


def test_artifact_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "a.apk"
    shutil.copy(APK_DIR / "a2dp.Vol_137.apk", path)
    with pytest.raises(ArtifactTooLargeError):
        analyze_apk(path, ArchiveLimits(max_artifact_bytes=1000))


@pytest.mark.parametrize("name", ["../../etc/passwd", "/etc/passwd", "a\\..\\b"])
def test_path_traversal(name: str) -> None:
    with pytest.raises(ArtifactError) as caught:
        analyze_apk_bytes("evil.apk", traversal_zip(name))
    assert caught.value.code == "artifact_path_traversal"


def test_encrypted_entry_is_typed() -> None:
    raw = bytearray(zip_bytes({"AndroidManifest.xml": b"abc"}))
    raw[6] |= 1  # local header: encrypted
    central = raw.rfind(b"PK\x01\x02")
    raw[central + 8] |= 1
    with pytest.raises(ArtifactError) as caught:
        analyze_apk_bytes("enc.apk", bytes(raw))
    assert caught.value.code == "artifact_unsupported"


def test_unsupported_compression_is_typed() -> None:
    raw = bytearray(zip_bytes({"AndroidManifest.xml": b"abc"}))
    raw[8] = 99  # AES (method 99) in the local header
    central = raw.rfind(b"PK\x01\x02")
    raw[central + 10] = 99
    with pytest.raises(ArtifactError):
        analyze_apk_bytes("aes.apk", bytes(raw))


def test_local_and_central_names_must_agree() -> None:
    raw = bytearray(zip_bytes({"AndroidManifest.xml": b"abc"}))
    raw[30:49] = b"AndroidManifest.xmz"  # the local header only
    with pytest.raises(ArtifactError) as caught:
        analyze_apk_bytes("confused.apk", bytes(raw))
    assert caught.value.code == "artifact_corrupt" and "names differ" in caught.value.message


def test_central_offset_without_local_header() -> None:
    raw = bytearray(zip_bytes({"AndroidManifest.xml": b"abc"}))
    raw[0:4] = b"PK\x07\x08"
    with pytest.raises(ArtifactError) as caught:
        analyze_apk_bytes("nolocal.apk", bytes(raw))
    assert caught.value.code == "artifact_corrupt"
