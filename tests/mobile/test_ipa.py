from __future__ import annotations

import io
import plistlib
import zipfile
from pathlib import Path

import pytest

from brokerguard.mobile.analysis import analyze_artifact_bytes
from brokerguard.mobile.errors import ArtifactError
from brokerguard.mobile.ipa import IpaFacts, analyze_ipa, analyze_ipa_bytes
from tests.mobile.apkbuild import build_ipa
from tests.mobile.hostile import zip_bytes


@pytest.mark.parametrize("binary", [False, True])
def test_xml_and_binary_info_plist(binary: bool) -> None:
    facts = analyze_ipa_bytes("trade.ipa", build_ipa(binary_plist=binary))
    assert facts.bundle_id == "tw.com.demosec.trade"
    assert facts.version_name == "5.2.0"
    assert facts.version_code == "520"
    assert facts.min_os == "15.0"
    assert facts.permissions == ["NSCameraUsageDescription", "NSFaceIDUsageDescription"]
    assert facts.usage_descriptions["NSCameraUsageDescription"].startswith("拍攝")
    assert facts.ats_allows_arbitrary_loads is False
    assert facts.app_label == "示範證券"
    assert facts.team_id == "ABCDE12345"
    assert facts.entitlements["get-task-allow"] is False
    assert len(facts.cert_sha256) == 1
    assert facts.icon_bytes is not None and facts.icon_bytes.startswith(b"\x89PNG")


def test_ats_arbitrary_loads_and_exception_domains() -> None:
    raw = build_ipa(
        info_extra={
            "NSAppTransportSecurity": {
                "NSAllowsArbitraryLoads": True,
                "NSExceptionDomains": {
                    "legacy.demosec.com.tw": {"NSExceptionAllowsInsecureHTTPLoads": True},
                    "ok.demosec.com.tw": {"NSIncludesSubdomains": True},
                },
            }
        }
    )
    report = analyze_artifact_bytes("ats.ipa", raw)
    assert isinstance(report.facts, IpaFacts)
    assert report.facts.ats_allows_arbitrary_loads is True
    rules = [f.rule for f in report.findings]
    assert "ats_arbitrary_loads" in rules
    assert any(f.rule == "cleartext_traffic" and "legacy" in f.detail for f in report.findings)
    assert report.to_dict()["ats_allows_arbitrary_loads"] is True


def test_get_task_allow_is_debuggable() -> None:
    raw = build_ipa(entitlements={"get-task-allow": True})
    report = analyze_artifact_bytes("dev.ipa", raw)
    assert report.facts.is_debuggable
    assert "get_task_allow" in [f.rule for f in report.findings]


def test_jailbreak_and_debugger_strings_found_in_executable() -> None:
    report = analyze_artifact_bytes("trade.ipa", build_ipa())
    assert report.has_root_warning and report.has_debug_warning
    bare = analyze_artifact_bytes("bare.ipa", build_ipa(executable_strings=("hello world",)))
    rules = [f.rule for f in bare.findings]
    assert "root_detection_absent" in rules and "debugger_detection_absent" in rules
    assert "adb_detection_absent" not in rules  # Android only


def test_empty_usage_description_is_a_finding() -> None:
    raw = build_ipa(info_extra={"NSLocationWhenInUseUsageDescription": ""})
    report = analyze_artifact_bytes("loc.ipa", raw)
    assert any(
        f.rule == "missing_usage_description" and f.detail == "NSLocationWhenInUseUsageDescription"
        for f in report.findings
    )


def test_cli_contract_keys() -> None:
    data = analyze_artifact_bytes("trade.ipa", build_ipa()).to_dict()
    for key in (
        "bundle_id",
        "version_name",
        "version_code",
        "min_os",
        "usage_descriptions",
        "ats_allows_arbitrary_loads",
        "findings",
    ):
        assert key in data


def _ipa(entries: dict[str, bytes]) -> bytes:
    return zip_bytes(entries)


def test_no_payload_is_not_an_ipa() -> None:
    with pytest.raises(ArtifactError):
        analyze_ipa_bytes("x.ipa", _ipa({"readme.txt": b"hi"}))


def test_missing_info_plist() -> None:
    with pytest.raises(ArtifactError) as caught:
        analyze_ipa_bytes("x.ipa", _ipa({"Payload/A.app/A": b"bin"}))
    assert "Info.plist" in caught.value.message


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"not a plist at all",
        b"bplist00\xff\xff\xff",
        b"<?xml version='1.0'?><plist><dict><key>a</key>",
        plistlib.dumps(["a", "list"]),
    ],
)
def test_malformed_info_plist(content: bytes) -> None:
    with pytest.raises(ArtifactError) as caught:
        analyze_ipa_bytes("bad.ipa", _ipa({"Payload/A.app/Info.plist": content}))
    assert caught.value.code == "artifact_manifest_invalid"
    assert "bad.ipa" in caught.value.message


def test_missing_bundle_id() -> None:
    content = plistlib.dumps({"CFBundleVersion": "1"})
    with pytest.raises(ArtifactError) as caught:
        analyze_ipa_bytes("nobundle.ipa", _ipa({"Payload/A.app/Info.plist": content}))
    assert "CFBundleIdentifier" in caught.value.message


def test_profile_without_plist() -> None:
    raw = _ipa(
        {
            "Payload/A.app/Info.plist": plistlib.dumps({"CFBundleIdentifier": "a.b"}),
            "Payload/A.app/embedded.mobileprovision": b"\x30\x82garbage",
        }
    )
    with pytest.raises(ArtifactError):
        analyze_ipa_bytes("profile.ipa", raw)


def test_two_app_bundles_refused() -> None:
    info = plistlib.dumps({"CFBundleIdentifier": "a.b"})
    raw = _ipa({"Payload/A.app/Info.plist": info, "Payload/B.app/Info.plist": info})
    with pytest.raises(ArtifactError):
        analyze_ipa_bytes("two.ipa", raw)


def test_deeply_nested_plist() -> None:
    nested: object = "leaf"
    for _ in range(200):
        nested = [nested]
    info = plistlib.dumps({"CFBundleIdentifier": "a.b", "Deep": nested})
    facts = analyze_ipa_bytes("deep.ipa", _ipa({"Payload/A.app/Info.plist": info}))
    assert facts.bundle_id == "a.b"


def test_truncated_ipa() -> None:
    raw = build_ipa()
    with pytest.raises(ArtifactError):
        analyze_ipa_bytes("cut.ipa", raw[: len(raw) // 2])


def test_traversal_in_ipa() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("Payload/A.app/Info.plist", plistlib.dumps({"CFBundleIdentifier": "a"}))
        archive.writestr("Payload/A.app/xx/../../../../evil", b"x")
    with pytest.raises(ArtifactError) as caught:
        analyze_ipa_bytes("evil.ipa", buffer.getvalue())
    assert caught.value.code == "artifact_path_traversal"


def test_analyze_ipa_from_path(tmp_path: Path) -> None:
    path = tmp_path / "trade.ipa"
    path.write_bytes(build_ipa())
    assert analyze_ipa(path).bundle_id == "tw.com.demosec.trade"
