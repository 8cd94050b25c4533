"""Heuristics over code strings (A6.3.2.1, A6.3.2.2) and manifest facts, as mapped findings.

Root / jailbreak, debugger and ADB detection are looked for as the strings such
checks need (``/system/xbin/su``, ``isDebuggerConnected``, ``adb_enabled``,
``/Applications/Cydia.app`` ...). Presence is a strong hint, absence a finding to
confirm by hand: obfuscated or native checks are not visible in the string table.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from brokerguard.mobile.apk import ApkFacts
from brokerguard.mobile.archive import SafeArchive
from brokerguard.mobile.dex_strings import DexFormatError, dex_strings
from brokerguard.mobile.finding_map import AnalysisFinding, make_finding

ROOT_MARKERS = (
    "/system/xbin/su",
    "/system/bin/su",
    "/sbin/su",
    "superuser.apk",
    "com.topjohnwu.magisk",
    "eu.chainfire.supersu",
    "com.noshufou.android.su",
    "com.koushikdutta.superuser",
    "rootbeer",
    "test-keys",
    "isrooted",
    "/applications/cydia.app",
    "cydia://",
    "/library/mobilesubstrate",
    "/private/var/lib/apt",
    "isjailbroken",
    "fridaserver",
    "frida-server",
)
DEBUGGER_MARKERS = (
    "isdebuggerconnected",
    "waitingfordebugger",
    "tracerpid",
    "p_traced",
    "pt_deny_attach",
    "ptrace",
)
ADB_MARKERS = ("adb_enabled", "development_settings_enabled")
BENIGN_HTTP = (
    "http://schemas.android.com",
    "http://www.w3.org",
    "http://xml.org",
    "http://www.apache.org/licenses",
    "http://apache.org/xml",
    "http://ns.adobe.com",
    "http://javax.xml",
    "http://xmlpull.org",
    "http://www.apple.com/dtds",
    "http://localhost",
    "http://127.0.0.1",
)
HTTP_RE = re.compile(r"http://[A-Za-z0-9.\-]+(?::\d+)?(?:/[^\s\"'<>]*)?")
SECRET_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("AWS access key", re.compile(r"\bAKIA[0-9A-Z]{16}\b")),
    ("Google API key", re.compile(r"\bAIza[0-9A-Za-z_\-]{35}\b")),
    ("private key", re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH )?PRIVATE KEY-----")),
    ("Slack token", re.compile(r"\bxox[baprs]-[0-9A-Za-z\-]{10,}")),
    ("GitHub token", re.compile(r"\bgh[pousr]_[0-9A-Za-z]{36}\b")),
    (
        "password or secret assignment",
        re.compile(
            r"(?i)\b(?:password|passwd|secret|api[_-]?key|token)[ \t]*[=:][ \t]*[^\s\"']{6,}"
        ),
    ),
)
MAX_CODE_BYTES = 128 * 1024 * 1024
MAX_REPORTED = 20
PRINTABLE_RE = re.compile(rb"[\x20-\x7e]{5,}")


@dataclass(frozen=True)
class CodeSignals:
    """What the code's strings reveal."""

    root_detection: list[str] = field(default_factory=list)
    debugger_detection: list[str] = field(default_factory=list)
    adb_detection: list[str] = field(default_factory=list)
    http_urls: list[str] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    strings_scanned: int = 0

    def to_dict(self) -> dict[str, object]:
        return {
            "root_detection": self.root_detection,
            "debugger_detection": self.debugger_detection,
            "adb_detection": self.adb_detection,
            "http_urls": self.http_urls,
            "secrets": self.secrets,
            "unreadable": self.unreadable,
            "strings_scanned": self.strings_scanned,
        }


def _mask(secret: str) -> str:
    """Never echo a secret: keep its kind and first four characters."""
    return secret[:4] + "…" if len(secret) > 4 else "…"


def scan_strings(strings: Iterable[str], unreadable: list[str] | None = None) -> CodeSignals:
    """Signals in ``strings``, scanned as one newline-joined text (one pass per pattern)."""
    items = [v.replace("\n", " ") for v in strings]
    text = "\n".join(items)
    lowered = text.lower()
    urls = {m for m in HTTP_RE.findall(text) if not m.lower().startswith(BENIGN_HTTP)}
    secrets: set[str] = set()
    for kind, pattern in SECRET_PATTERNS:
        for found in pattern.finditer(text):
            secrets.add(f"{kind}: {_mask(found.group(0))}")
    return CodeSignals(
        root_detection=sorted(m for m in ROOT_MARKERS if m in lowered),
        debugger_detection=sorted(m for m in DEBUGGER_MARKERS if m in lowered),
        adb_detection=sorted(m for m in ADB_MARKERS if m in lowered),
        http_urls=sorted(urls)[:MAX_REPORTED],
        secrets=sorted(secrets)[:MAX_REPORTED],
        unreadable=unreadable or [],
        strings_scanned=len(items),
    )


def apk_code_signals(archive: SafeArchive) -> CodeSignals:
    """Scan every ``classes*.dex`` of a vetted APK (a bad DEX is noted, not fatal)."""
    unreadable: list[str] = []

    def strings() -> Iterable[str]:
        budget = MAX_CODE_BYTES
        for name in sorted(archive.names()):
            if not (name.startswith("classes") and name.endswith(".dex")):
                continue
            size = archive.size_of(name)
            if size > budget:
                unreadable.append(f"{name}: over the code scanning budget")
                continue
            budget -= size
            data = archive.read(name)
            try:
                yield from dex_strings(data)
            except DexFormatError as exc:
                unreadable.append(f"{name}: {exc}")

    signals = scan_strings(strings())
    return CodeSignals(**{**signals.__dict__, "unreadable": unreadable})


def binary_strings(data: bytes) -> Iterable[str]:
    """Printable ASCII runs of a native binary (iOS executables)."""
    for match in PRINTABLE_RE.finditer(data):
        yield match.group(0).decode("ascii")


def code_findings(signals: CodeSignals, *, android: bool) -> list[AnalysisFinding]:
    found: list[AnalysisFinding] = []
    if not signals.root_detection:
        found.append(make_finding("root_detection_absent", "no root/jailbreak check strings"))
    if not signals.debugger_detection:
        found.append(make_finding("debugger_detection_absent", "no debugger check strings"))
    if android and not signals.adb_detection:
        found.append(make_finding("adb_detection_absent", "no adb_enabled check"))
    for url in signals.http_urls:
        found.append(make_finding("http_url", url))
    for secret in signals.secrets:
        found.append(make_finding("hardcoded_secret", secret))
    return found


def apk_manifest_findings(facts: ApkFacts) -> list[AnalysisFinding]:
    found: list[AnalysisFinding] = []
    if facts.is_debuggable:
        found.append(make_finding("debuggable", f"android:debuggable={facts.debuggable}"))
    if facts.allows_backup:
        found.append(
            make_finding("allow_backup", f"android:allowBackup={facts.allow_backup or 'default'}")
        )
    if facts.allows_cleartext:
        found.append(
            make_finding(
                "cleartext_traffic",
                f"usesCleartextTraffic={facts.uses_cleartext or 'default'}, "
                f"targetSdk={facts.target_sdk or 'unset'}",
            )
        )
    for component in facts.unguarded_exports:
        found.append(make_finding("exported_component", f"{component.kind} {component.name}"))
    for note in facts.broken_signatures:
        found.append(make_finding("broken_signature", note))
    if not (facts.signed_v1 or facts.signed_v2 or facts.signed_v3):
        found.append(make_finding("unsigned", "no v1, v2 or v3 signature"))
    elif facts.signed_v1 and not (facts.signed_v2 or facts.signed_v3):
        found.append(make_finding("v1_signature_only", "JAR signing only"))
    for permission in facts.permission_details:
        if permission.dangerous:
            found.append(make_finding("dangerous_permission", permission.name))
    min_sdk = facts.min_sdk
    if min_sdk is None or (min_sdk.isdigit() and int(min_sdk) < 23):
        found.append(make_finding("outdated_min_sdk", f"minSdk={min_sdk or 'unset'}"))
    return found
