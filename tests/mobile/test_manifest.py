from __future__ import annotations

from brokerguard.mobile.analysis import analyze_artifact_bytes
from brokerguard.mobile.apk import ApkFacts
from tests.mobile.apkbuild import ReleaseSigner, synthetic_apk
from tests.mobile.axml import Element

FILTER = Element("intent-filter", children=[Element("action", {"android:name": "x.ACTION"})])


def _facts(raw: bytes) -> ApkFacts:
    facts = analyze_artifact_bytes("m.apk", raw).facts
    assert isinstance(facts, ApkFacts)
    return facts


def test_exported_components(release_signer: ReleaseSigner) -> None:
    components = (
        Element("activity", {"android:name": ".Main", "android:exported": True}, [FILTER]),
        Element("activity", {"android:name": ".Hidden", "android:exported": False}, [FILTER]),
        Element("activity", {"android:name": ".Implicit"}, [FILTER]),
        Element("activity", {"android:name": ".Internal"}),
        Element(
            "service",
            {"android:name": ".Sync", "android:exported": True, "android:permission": "x.BIND"},
        ),
        Element("provider", {"android:name": ".Data", "android:readPermission": "x.READ"}),
        Element("receiver", {"android:name": ".Boot", "android:exported": True}),
    )
    facts = _facts(synthetic_apk(release_signer, components=components, target_sdk="16"))
    exported = {c.name: c for c in facts.exported_components}
    assert set(exported) == {".Main", ".Implicit", ".Sync", ".Data", ".Boot"}
    assert exported[".Sync"].permission == "x.BIND"
    assert exported[".Data"].permission == "x.READ" and not exported[".Data"].explicit
    assert {c.name for c in facts.unguarded_exports} == {".Main", ".Implicit", ".Boot"}
    report = analyze_artifact_bytes("m.apk", synthetic_apk(release_signer, components=components))
    assert sum(f.rule == "exported_component" for f in report.findings) == 3
    modern = _facts(synthetic_apk(release_signer, components=components, target_sdk="34"))
    assert ".Data" not in {c.name for c in modern.exported_components}


def test_permission_levels_and_flags(release_signer: ReleaseSigner) -> None:
    facts = _facts(
        synthetic_apk(
            release_signer,
            permissions=(
                "android.permission.CAMERA",
                "android.permission.INTERNET",
                "tw.com.demosec.permission.C2D",
            ),
            application={"android:allowBackup": True, "android:debuggable": True},
        )
    )
    levels = {p.name: p.protection_level for p in facts.permission_details}
    details = {p.name: p for p in facts.permission_details}
    assert levels["android.permission.CAMERA"].split("|")[0] == "dangerous"
    assert details["android.permission.CAMERA"].dangerous
    assert levels["android.permission.INTERNET"].split("|")[0] == "normal"
    assert levels["tw.com.demosec.permission.C2D"] == "unknown"
    assert facts.is_debuggable and facts.allows_backup
    assert facts.debuggable == "true" and facts.allow_backup == "true"


def test_secrets_and_http_in_code(release_signer: ReleaseSigner) -> None:
    report = analyze_artifact_bytes(
        "s.apk",
        synthetic_apk(
            release_signer,
            code_strings=("http://quote.demosec.com.tw/api", "AKIAABCDEFGHIJKLMNOP"),
        ),
    )
    rules = [f.rule for f in report.findings]
    assert "http_url" in rules and "hardcoded_secret" in rules
    assert "root_detection_absent" in rules and "adb_detection_absent" in rules
    secret = next(f for f in report.findings if f.rule == "hardcoded_secret")
    assert "AKIAABCDEFGHIJKLMNOP" not in secret.detail
    assert secret.owasp == ("M1", "M10")
