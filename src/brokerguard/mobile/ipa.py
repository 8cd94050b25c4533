"""IPA analysis (A6.3.1.4, A6.3.2): Info.plist, ATS, usage descriptions, entitlements.

An IPA is a ZIP holding ``Payload/<Name>.app/``. ``Info.plist`` may be an XML or a
binary property list; the embedded provisioning profile is a CMS envelope around
an XML plist whose ``Entitlements`` and ``DeveloperCertificates`` are read. The
archive is vetted by :class:`~brokerguard.mobile.archive.SafeArchive` first.
"""

from __future__ import annotations

import hashlib
import plistlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from brokerguard.mobile.archive import DEFAULT_LIMITS, ArchiveLimits, SafeArchive
from brokerguard.mobile.errors import ArtifactError

APP_DIR_RE = re.compile(r"^Payload/([^/]+\.app)/$")
USAGE_RE = re.compile(r"^NS[A-Za-z]+UsageDescription$")
MAX_PROFILE_BYTES = 1024 * 1024
MAX_ICON_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class IpaFacts:
    """What an IPA declares (the keys of the CLI contract first)."""

    bundle_id: str
    version_name: str | None
    version_code: str | None
    min_os: str | None
    usage_descriptions: dict[str, str]
    ats_allows_arbitrary_loads: bool
    artifact_name: str = ""
    artifact_sha256: str = ""
    artifact_size: int = 0
    app_label: str | None = None
    executable: str | None = None
    ats_exception_domains: list[str] = field(default_factory=list)
    entitlements: dict[str, Any] = field(default_factory=dict)
    team_id: str | None = None
    profile_name: str | None = None
    profile_expires: str | None = None
    cert_sha256: list[str] = field(default_factory=list)
    icon_path: str | None = None
    icon_bytes: bytes | None = field(default=None, repr=False)

    platform = "ios"

    @property
    def permissions(self) -> list[str]:
        """The iOS permission list: the usage-description keys."""
        return sorted(self.usage_descriptions)

    @property
    def package(self) -> str:
        return self.bundle_id

    @property
    def is_debuggable(self) -> bool:
        return self.entitlements.get("get-task-allow") is True

    def to_dict(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "bundle_id": self.bundle_id,
            "package": self.bundle_id,
            "version_name": self.version_name,
            "version_code": self.version_code,
            "min_os": self.min_os,
            "usage_descriptions": self.usage_descriptions,
            "permissions": self.permissions,
            "ats_allows_arbitrary_loads": self.ats_allows_arbitrary_loads,
            "ats_exception_domains": self.ats_exception_domains,
            "app_label": self.app_label,
            "executable": self.executable,
            "entitlements": _jsonable(self.entitlements),
            "team_id": self.team_id,
            "profile_name": self.profile_name,
            "profile_expires": self.profile_expires,
            "cert_sha256": self.cert_sha256,
            "artifact_name": self.artifact_name,
            "artifact_sha256": self.artifact_sha256,
            "artifact_size": self.artifact_size,
            "icon_path": self.icon_path,
            "icon_sha256": hashlib.sha256(self.icon_bytes).hexdigest()
            if self.icon_bytes is not None
            else None,
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _load_plist(archive: SafeArchive, data: bytes, what: str) -> dict[str, Any]:
    try:
        value = plistlib.loads(data)
    except RecursionError:
        raise ArtifactError(
            archive.name, f"{what} nests too deeply", code="artifact_manifest_invalid"
        ) from None
    except Exception as exc:  # plistlib raises many types on malformed input
        raise ArtifactError(
            archive.name,
            f"{what} is not a valid property list ({type(exc).__name__})",
            code="artifact_manifest_invalid",
        ) from None
    if not isinstance(value, dict):
        raise ArtifactError(
            archive.name, f"{what} is not a dictionary", code="artifact_manifest_invalid"
        )
    return value


def _app_dir(archive: SafeArchive) -> str:
    dirs = set()
    for name in archive.names():
        parts = name.split("/")
        if len(parts) >= 3 and parts[0] == "Payload" and parts[1].endswith(".app"):
            dirs.add(parts[1])
    if not dirs:
        raise ArtifactError(
            archive.name, "no Payload/<App>.app/ folder: not an IPA", code="artifact_unsupported"
        )
    if len(dirs) > 1:
        raise ArtifactError(
            archive.name,
            f"several app bundles in Payload/: {sorted(dirs)}",
            code="artifact_corrupt",
        )
    return f"Payload/{dirs.pop()}/"


def _optional_text(value: Any) -> str | None:
    return str(value) if isinstance(value, str | int) and str(value) else None


def _profile(archive: SafeArchive, base: str) -> dict[str, Any]:
    entry = base + "embedded.mobileprovision"
    if not archive.has(entry):
        return {}
    raw = archive.read(entry, MAX_PROFILE_BYTES)
    start = raw.find(b"<?xml")
    end = raw.find(b"</plist>", start)
    if start < 0 or end < 0:
        raise ArtifactError(
            archive.name,
            "embedded.mobileprovision holds no property list",
            code="artifact_manifest_invalid",
        )
    return _load_plist(archive, raw[start : end + len(b"</plist>")], "embedded.mobileprovision")


def _icon(archive: SafeArchive, base: str, info: dict[str, Any]) -> tuple[str | None, bytes | None]:
    names: list[str] = []
    icons = info.get("CFBundleIcons")
    if isinstance(icons, dict):
        primary = icons.get("CFBundlePrimaryIcon")
        if isinstance(primary, dict) and isinstance(primary.get("CFBundleIconFiles"), list):
            names = [str(n) for n in primary["CFBundleIconFiles"] if isinstance(n, str)]
    candidates = [
        n
        for n in archive.names()
        if n.startswith(base)
        and "/" not in n[len(base) :]
        and n.lower().endswith(".png")
        and (any(n[len(base) :].startswith(stem) for stem in names) or "AppIcon" in n)
    ]
    candidates.sort(key=archive.size_of, reverse=True)
    for name in candidates:
        if archive.size_of(name) <= MAX_ICON_BYTES:
            return name, archive.read(name, MAX_ICON_BYTES)
    return None, None


def analyze_ipa_archive(archive: SafeArchive) -> IpaFacts:
    base = _app_dir(archive)
    info_name = base + "Info.plist"
    if not archive.has(info_name):
        raise ArtifactError(archive.name, f"missing {info_name}", code="artifact_manifest_invalid")
    info = _load_plist(
        archive, archive.read(info_name, archive.limits.max_manifest_bytes), "Info.plist"
    )
    bundle_id = info.get("CFBundleIdentifier")
    if not isinstance(bundle_id, str) or not bundle_id.strip():
        raise ArtifactError(
            archive.name, "Info.plist has no CFBundleIdentifier", code="artifact_manifest_invalid"
        )
    usage = {
        str(k): str(v) if isinstance(v, str) else ""
        for k, v in info.items()
        if isinstance(k, str) and USAGE_RE.match(k)
    }
    ats = info.get("NSAppTransportSecurity")
    arbitrary = False
    exception_domains: list[str] = []
    if isinstance(ats, dict):
        arbitrary = ats.get("NSAllowsArbitraryLoads") is True
        domains = ats.get("NSExceptionDomains")
        if isinstance(domains, dict):
            exception_domains = sorted(
                str(d)
                for d, body in domains.items()
                if isinstance(body, dict) and body.get("NSExceptionAllowsInsecureHTTPLoads") is True
            )
    profile = _profile(archive, base)
    entitlements = profile.get("Entitlements")
    certs = profile.get("DeveloperCertificates")
    team = profile.get("TeamIdentifier")
    expires = profile.get("ExpirationDate")
    icon_path, icon_bytes = _icon(archive, base, info)
    return IpaFacts(
        bundle_id=bundle_id.strip(),
        version_name=_optional_text(info.get("CFBundleShortVersionString")),
        version_code=_optional_text(info.get("CFBundleVersion")),
        min_os=_optional_text(info.get("MinimumOSVersion")),
        usage_descriptions=usage,
        ats_allows_arbitrary_loads=arbitrary,
        artifact_name=archive.name,
        artifact_sha256=hashlib.sha256(archive.raw).hexdigest(),
        artifact_size=len(archive.raw),
        app_label=_optional_text(info.get("CFBundleDisplayName") or info.get("CFBundleName")),
        executable=_optional_text(info.get("CFBundleExecutable")),
        ats_exception_domains=exception_domains,
        entitlements=entitlements if isinstance(entitlements, dict) else {},
        team_id=str(team[0]) if isinstance(team, list) and team else None,
        profile_name=_optional_text(profile.get("Name")),
        profile_expires=expires.isoformat() if isinstance(expires, datetime) else None,
        cert_sha256=[hashlib.sha256(c).hexdigest() for c in certs or [] if isinstance(c, bytes)]
        if isinstance(certs, list)
        else [],
        icon_path=icon_path,
        icon_bytes=icon_bytes,
    )


def analyze_ipa(path: Path, limits: ArchiveLimits = DEFAULT_LIMITS) -> IpaFacts:
    return analyze_ipa_archive(SafeArchive.open(Path(path), limits))


def analyze_ipa_bytes(name: str, raw: bytes, limits: ArchiveLimits = DEFAULT_LIMITS) -> IpaFacts:
    return analyze_ipa_archive(SafeArchive(name, raw, limits))


def executable_bytes(archive: SafeArchive, facts: IpaFacts) -> bytes | None:
    """The app's main executable, for string heuristics (``None`` if absent)."""
    if facts.executable is None:
        return None
    base = _app_dir(archive)
    name = base + facts.executable
    return archive.read(name) if archive.has(name) else None
