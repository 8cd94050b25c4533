"""One entry point for any artifact: detect APK or IPA, analyse, and list mapped findings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from brokerguard.mobile.apk import ApkFacts, analyze_apk_archive
from brokerguard.mobile.archive import DEFAULT_LIMITS, ArchiveLimits, SafeArchive
from brokerguard.mobile.errors import ArtifactError
from brokerguard.mobile.finding_map import AnalysisFinding, make_finding
from brokerguard.mobile.heuristics import (
    CodeSignals,
    apk_code_signals,
    apk_manifest_findings,
    binary_strings,
    code_findings,
    scan_strings,
)
from brokerguard.mobile.ipa import IpaFacts, analyze_ipa_archive, executable_bytes

Facts = ApkFacts | IpaFacts


@dataclass(frozen=True)
class ArtifactReport:
    """Facts, code signals and findings of one artifact."""

    facts: Facts
    signals: CodeSignals
    findings: list[AnalysisFinding]

    @property
    def platform(self) -> str:
        return self.facts.platform

    @property
    def permissions(self) -> list[str]:
        return list(self.facts.permissions)

    @property
    def has_root_warning(self) -> bool:
        return bool(self.signals.root_detection)

    @property
    def has_debug_warning(self) -> bool:
        return bool(self.signals.debugger_detection)

    @property
    def has_usb_debug_warning(self) -> bool:
        """Android: the app checks whether USB debugging (ADB) is on; iOS has no such switch."""
        return self.platform != "android" or bool(self.signals.adb_detection)

    @property
    def signing_certificates(self) -> list[str]:
        """Certificates that signed the artifact: verified APK signers, or the iOS profile's."""
        if isinstance(self.facts, ApkFacts):
            return self.facts.signing_certificates
        return list(self.facts.cert_sha256)

    @property
    def v3_lineage(self) -> list[str]:
        return list(self.facts.v3_lineage_sha256) if isinstance(self.facts, ApkFacts) else []

    @property
    def broken_signatures(self) -> list[str]:
        return list(self.facts.broken_signatures) if isinstance(self.facts, ApkFacts) else []

    @property
    def is_signed(self) -> bool:
        if isinstance(self.facts, ApkFacts):
            return self.facts.signed_v1 or self.facts.signed_v2 or self.facts.signed_v3
        return True

    def to_dict(self) -> dict[str, Any]:
        data = self.facts.to_dict()
        data["code_signals"] = self.signals.to_dict()
        data["findings"] = [f.to_dict() for f in self.findings]
        return data


def _ipa_findings(facts: IpaFacts) -> list[AnalysisFinding]:
    found: list[AnalysisFinding] = []
    if facts.ats_allows_arbitrary_loads:
        found.append(make_finding("ats_arbitrary_loads", "NSAllowsArbitraryLoads = true"))
    for domain in facts.ats_exception_domains:
        found.append(make_finding("cleartext_traffic", f"insecure HTTP allowed for {domain}"))
    if facts.is_debuggable:
        found.append(make_finding("get_task_allow", "get-task-allow = true"))
    for key, text in sorted(facts.usage_descriptions.items()):
        if not text.strip():
            found.append(make_finding("missing_usage_description", key))
    return found


def is_ipa(archive: SafeArchive) -> bool:
    return any(n.startswith("Payload/") for n in archive.names()) and not archive.has(
        "AndroidManifest.xml"
    )


def analyze_archive(archive: SafeArchive) -> ArtifactReport:
    if is_ipa(archive):
        ipa = analyze_ipa_archive(archive)
        binary = executable_bytes(archive, ipa)
        signals = scan_strings(binary_strings(binary)) if binary is not None else CodeSignals()
        return ArtifactReport(
            ipa, signals, _ipa_findings(ipa) + code_findings(signals, android=False)
        )
    apk = analyze_apk_archive(archive)
    signals = apk_code_signals(archive)
    findings = apk_manifest_findings(apk) + code_findings(signals, android=True)
    return ArtifactReport(apk, signals, findings)


def analyze_artifact(path: Path, limits: ArchiveLimits = DEFAULT_LIMITS) -> ArtifactReport:
    """Analyse an APK or IPA file; raises :class:`ArtifactError` naming the file and reason."""
    return analyze_archive(SafeArchive.open(Path(path), limits))


def analyze_artifact_bytes(
    name: str, raw: bytes, limits: ArchiveLimits = DEFAULT_LIMITS
) -> ArtifactReport:
    if not name.strip():
        raise ArtifactError("(unnamed)", "the artifact has no file name")
    return analyze_archive(SafeArchive(name, raw, limits))
