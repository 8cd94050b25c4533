"""APK analysis (A6.3.1.4, A6.3.1.3): manifest, permissions, flags, components, signing.

:func:`analyze_apk` returns :class:`ApkFacts`. The manifest and resources are parsed
with androguard after :class:`~brokerguard.mobile.archive.SafeArchive` has vetted
the archive (zip bombs, traversal, truncation); v2/v3 signers are verified by
:mod:`brokerguard.mobile.apk_signing`. The raw manifest values (``debuggable``,
``allow_backup``, ``uses_cleartext``, SDK levels, version code) are kept as the
strings androguard reports, so the facts agree with the shared oracle
``fixtures/apk/expected-facts.json``; boolean views are properties.

Field names of :class:`ApkFacts` are a contract (the phishing domain uses them for
counterfeit-app detection): extend, never rename.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from loguru import logger

from brokerguard.mobile.apk_signing import SchemeSigner, SigningBlockError, verify_scheme_signers
from brokerguard.mobile.apk_v1 import verify_v1_content
from brokerguard.mobile.archive import DEFAULT_LIMITS, ArchiveLimits, SafeArchive
from brokerguard.mobile.errors import ArtifactError
from brokerguard.mobile.network_config import NetworkConfigError, cleartext_scopes

logger.disable("androguard")

from androguard.core.apk import APK  # noqa: E402  (logging must be silenced first)

ANDROID_NS = "{http://schemas.android.com/apk/res/android}"
COMPONENT_TAGS = ("activity", "activity-alias", "service", "receiver", "provider")
RASTER_SUFFIXES = (".png", ".webp", ".jpg", ".jpeg")
MAX_ICON_BYTES = 2 * 1024 * 1024
TRUE_VALUES = ("true", "1", "0xffffffff", "-1")


@dataclass(frozen=True)
class PermissionInfo:
    """A requested permission with its Android protection level (``unknown`` if not AOSP)."""

    name: str
    protection_level: str
    label: str = ""
    aosp: bool = True

    @property
    def dangerous(self) -> bool:
        return "dangerous" in self.protection_level


@dataclass(frozen=True)
class ExportedComponent:
    """A component other apps can reach; ``permission`` guards it when set."""

    kind: str
    name: str
    permission: str | None
    explicit: bool


@dataclass(frozen=True)
class SignerInfo:
    """One signer under one scheme (v1, v2, v3) and whether its signature verified."""

    scheme: str
    cert_sha256: str
    verified: bool
    problem: str | None = None
    algorithm: str | None = None


@dataclass(frozen=True)
class ApkFacts:
    """What an APK declares and how it is signed (the oracle's keys first)."""

    package: str
    version_name: str | None
    version_code: str | None
    min_sdk: str | None
    target_sdk: str | None
    permissions: list[str]
    debuggable: str | None
    allow_backup: str | None
    uses_cleartext: str | None
    signed_v1: bool
    signed_v2: bool
    signed_v3: bool
    cert_sha256: list[str]
    artifact_name: str = ""
    artifact_sha256: str = ""
    artifact_size: int = 0
    max_sdk: str | None = None
    app_label: str | None = None
    icon_path: str | None = None
    icon_bytes: bytes | None = field(default=None, repr=False)
    network_security_config: str | None = None
    #: where the network security config permits cleartext ("base", domains); None: no config
    network_config_cleartext: list[str] | None = None
    permission_details: list[PermissionInfo] = field(default_factory=list)
    exported_components: list[ExportedComponent] = field(default_factory=list)
    signers: list[SignerInfo] = field(default_factory=list)
    v3_lineage_sha256: list[str] = field(default_factory=list)
    broken_signatures: list[str] = field(default_factory=list)
    dex_files: list[str] = field(default_factory=list)

    platform = "android"

    @property
    def is_debuggable(self) -> bool:
        return _truthy(self.debuggable)

    @property
    def allows_backup(self) -> bool:
        """Android's default for ``allowBackup`` is true when the attribute is absent."""
        return self.allow_backup is None or _truthy(self.allow_backup)

    @property
    def allows_cleartext(self) -> bool:
        """Whether cleartext HTTP is permitted anywhere.

        A readable network security config decides (it overrides the manifest flag
        from API 24); otherwise ``usesCleartextTraffic``; otherwise the platform
        default (permitted below API 28). An unreadable config counts as refusing.
        """
        if self.network_config_cleartext is not None:
            return bool(self.network_config_cleartext)
        if self.uses_cleartext is not None:
            return _truthy(self.uses_cleartext)
        if self.network_security_config is not None:
            return False
        return _int_or_none(self.target_sdk) is None or (_int_or_none(self.target_sdk) or 0) < 28

    @property
    def unguarded_exports(self) -> list[ExportedComponent]:
        return [c for c in self.exported_components if c.permission is None]

    @property
    def signing_certificates(self) -> list[str]:
        """SHA-256 of certificates whose every signature verified (v3 lineage included)."""
        failed = {s.cert_sha256 for s in self.signers if not s.verified}
        verified = [s.cert_sha256 for s in self.signers if s.verified]
        return [c for c in dict.fromkeys(verified + self.v3_lineage_sha256) if c not in failed]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready facts: the oracle's keys, the extras, no icon bytes."""
        data = asdict(self)
        data.pop("icon_bytes")
        data["platform"] = self.platform
        data["signing_certificates"] = self.signing_certificates
        data["icon_sha256"] = (
            hashlib.sha256(self.icon_bytes).hexdigest() if self.icon_bytes is not None else None
        )
        return data


def _truthy(value: str | None) -> bool:
    return value is not None and value.strip().lower() in TRUE_VALUES


def _int_or_none(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value, 0)
    except ValueError:
        return None


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if text else None


def _androguard_entries(archive: SafeArchive) -> Iterator[str]:
    """Entries androguard decompresses on its own; vetted (CRC, size) before it does."""
    for name in archive.names():
        if name in ("AndroidManifest.xml", "resources.arsc") or name.startswith("META-INF/"):
            yield name


def _load(archive: SafeArchive) -> APK:
    if not archive.has("AndroidManifest.xml"):
        raise ArtifactError(
            archive.name,
            "no AndroidManifest.xml: not an APK (or a bare dex container)",
            code="artifact_manifest_invalid",
        )
    archive.read("AndroidManifest.xml", archive.limits.max_manifest_bytes)
    for name in _androguard_entries(archive):
        archive.read(name)
    try:
        apk = APK(archive.raw, raw=True)
    except Exception as exc:  # androguard raises anything on hostile input
        raise ArtifactError(
            archive.name,
            f"unreadable APK structure ({type(exc).__name__}: {exc})",
            code="artifact_corrupt",
        ) from None
    if not apk.is_valid_APK():
        raise ArtifactError(
            archive.name,
            "AndroidManifest.xml is not a valid binary manifest with a <manifest> root",
            code="artifact_manifest_invalid",
        )
    return apk


def _permission_details(apk: APK, names: list[str]) -> list[PermissionInfo]:
    details: dict[str, list[str]] = apk.get_details_permissions()
    found: list[PermissionInfo] = []
    for name in names:
        info = details.get(name)
        if info and info[0] and info[0] != "unknown":
            found.append(PermissionInfo(name, str(info[0]), str(info[1] or ""), True))
        else:
            found.append(PermissionInfo(name, "unknown", "", False))
    return found


def _exported_components(apk: APK, target_sdk: int | None) -> list[ExportedComponent]:
    xml = apk.get_android_manifest_xml()
    if xml is None:
        return []
    application = xml.find("application")
    app_permission = application.get(ANDROID_NS + "permission") if application is not None else None
    found: list[ExportedComponent] = []
    for tag in COMPONENT_TAGS:
        for element in xml.iter(tag):
            name = element.get(ANDROID_NS + "name") or element.get(ANDROID_NS + "targetActivity")
            exported = element.get(ANDROID_NS + "exported")
            explicit = exported is not None
            if explicit:
                is_exported = _truthy(exported)
            elif tag == "provider":
                is_exported = target_sdk is None or target_sdk < 17
            else:
                is_exported = element.find("intent-filter") is not None
            if not is_exported:
                continue
            permission = element.get(ANDROID_NS + "permission")
            if tag == "provider" and permission is None:
                permission = element.get(ANDROID_NS + "readPermission") or element.get(
                    ANDROID_NS + "writePermission"
                )
            found.append(
                ExportedComponent(tag, str(name or ""), permission or app_permission, explicit)
            )
    return found


def _icon(apk: APK, archive: SafeArchive) -> tuple[str | None, bytes | None]:
    try:
        path = _text(apk.get_app_icon())
    except Exception:  # resource tables of odd APKs: the icon is optional
        return None, None
    if path is None:
        return None, None
    candidates = [path]
    if not path.lower().endswith(RASTER_SUFFIXES):
        stem = PurePosixPath(path).stem
        candidates = sorted(
            (
                n
                for n in archive.names()
                if PurePosixPath(n).stem == stem and n.lower().endswith(RASTER_SUFFIXES)
            ),
            key=lambda n: archive.size_of(n),
            reverse=True,
        )
    for candidate in candidates:
        if (
            archive.has(candidate)
            and candidate.lower().endswith(RASTER_SUFFIXES)
            and archive.size_of(candidate) <= MAX_ICON_BYTES
        ):
            return candidate, archive.read(candidate, MAX_ICON_BYTES)
    return path, None


def _resolve_resource(apk: APK, reference: str) -> list[str]:
    """File names a ``@7f0f0001`` reference resolves to (empty when it does not)."""
    try:
        resources = apk.get_android_resources()
        resolved = resources.get_resolved_res_configs(int(reference[1:].split(":")[-1], 16))
    except Exception:  # unresolvable reference or resource table
        return []
    return [str(path) for _config, path in resolved if isinstance(path, str)]


def _network_config_path(apk: APK, archive: SafeArchive, value: str) -> str | None:
    if archive.has(value):
        return value
    if value.startswith("@"):
        for path in _resolve_resource(apk, value):
            if archive.has(path):
                return path
    fallback = "res/xml/network_security_config.xml"
    return fallback if archive.has(fallback) else None


def _network_config(
    apk: APK, archive: SafeArchive, value: str | None, target_sdk: str | None
) -> list[str] | None:
    if value is None:
        return None
    path = _network_config_path(apk, archive, value)
    if path is None:
        return None
    data = archive.read(path, archive.limits.max_manifest_bytes)
    try:
        return cleartext_scopes(data, _int_or_none(target_sdk))
    except NetworkConfigError:
        return None


def _app_label(apk: APK) -> str | None:
    try:
        return _text(apk.get_app_name())
    except Exception:  # unresolvable resource references leave the label unknown
        return None


def _signers(
    apk: APK, archive: SafeArchive
) -> tuple[list[SignerInfo], list[str], list[str], list[str]]:
    """Signers, broken-signature notes, v3 lineage and all certificate SHA-256 values."""
    signers: list[SignerInfo] = []
    broken: list[str] = []
    raw, artifact = archive.raw, archive.name
    try:
        names = apk.get_signature_names()
        content_problems = verify_v1_content(archive) if names else []
        broken.extend(f"v1: {p}" for p in content_problems[:10])
        for name in names:
            der = apk.get_certificate_der(name)
            if der is None:
                broken.append(f"v1 {name}: signature does not verify")
                signers.append(SignerInfo("v1", "", False, "signature does not verify"))
            elif content_problems:
                sha = hashlib.sha256(der).hexdigest()
                signers.append(SignerInfo("v1", sha, False, content_problems[0]))
            else:
                signers.append(SignerInfo("v1", hashlib.sha256(der).hexdigest(), True))
        certificates = [c.sha256.hex() for c in apk.get_certificates()]
    except ArtifactError:
        raise
    except Exception as exc:  # malformed PKCS#7 or signing block
        raise ArtifactError(
            artifact, f"unreadable signature data ({type(exc).__name__})", code="artifact_corrupt"
        ) from None
    try:
        v2, v3 = verify_scheme_signers(raw)
    except SigningBlockError as exc:
        broken.append(f"APK Signing Block: {exc}")
        v2, v3 = [], []
    lineage: list[str] = []
    scheme_signer: SchemeSigner
    for scheme_signer in [*v2, *v3]:
        sha = scheme_signer.cert_sha256 or ""
        signers.append(
            SignerInfo(
                scheme_signer.scheme,
                sha,
                scheme_signer.verified,
                scheme_signer.problem,
                scheme_signer.algorithm,
            )
        )
        if not scheme_signer.verified:
            broken.append(f"{scheme_signer.scheme} signer {sha[:16]}: {scheme_signer.problem}")
        for der in scheme_signer.lineage_der:
            digest = hashlib.sha256(der).hexdigest()
            if digest not in lineage:
                lineage.append(digest)
    return signers, broken, lineage, certificates


def analyze_apk_archive(archive: SafeArchive, *, resources: bool = True) -> ApkFacts:
    """Analyse an already vetted archive (used by :func:`analyze_apk` and uploads).

    ``resources=False`` skips the resource table (app label and icon), the slowest
    part on large APKs, when only manifest, permissions and signers are needed.
    """
    apk = _load(archive)
    try:
        package = _text(apk.get_package())
        permissions = sorted({str(p) for p in apk.get_permissions()})
        debuggable = _text(apk.get_attribute_value("application", "debuggable"))
        allow_backup = _text(apk.get_attribute_value("application", "allowBackup"))
        uses_cleartext = _text(apk.get_attribute_value("application", "usesCleartextTraffic"))
        network_config = _text(apk.get_attribute_value("application", "networkSecurityConfig"))
        version_code = _text(apk.get_attribute_value("manifest", "versionCode"))
        version_name = _text(apk.get_attribute_value("manifest", "versionName"))
        min_sdk = _text(apk.get_min_sdk_version())
        target_sdk = _text(apk.get_target_sdk_version())
        max_sdk = _text(apk.get_max_sdk_version())
        signed = (apk.is_signed_v1(), apk.is_signed_v2(), apk.is_signed_v3())
        details = _permission_details(apk, permissions)
        exported = _exported_components(apk, _int_or_none(target_sdk))
        dex_files = [str(n) for n in apk.get_dex_names()]
    except ArtifactError:
        raise
    except Exception as exc:  # androguard on a hostile manifest or signing block
        raise ArtifactError(
            archive.name,
            f"malformed manifest or signing block ({type(exc).__name__}: {exc})",
            code="artifact_manifest_invalid",
        ) from None
    if not package:
        raise ArtifactError(
            archive.name, "the manifest names no package", code="artifact_manifest_invalid"
        )
    signers, broken, lineage, certificates = _signers(apk, archive)
    icon_path, icon_bytes = _icon(apk, archive) if resources else (None, None)
    return ApkFacts(
        package=package,
        version_name=version_name,
        version_code=version_code,
        min_sdk=min_sdk,
        target_sdk=target_sdk,
        permissions=permissions,
        debuggable=debuggable,
        allow_backup=allow_backup,
        uses_cleartext=uses_cleartext,
        signed_v1=bool(signed[0]),
        signed_v2=bool(signed[1]),
        signed_v3=bool(signed[2]),
        cert_sha256=certificates,
        artifact_name=archive.name,
        artifact_sha256=hashlib.sha256(archive.raw).hexdigest(),
        artifact_size=len(archive.raw),
        max_sdk=max_sdk,
        app_label=_app_label(apk) if resources else None,
        icon_path=icon_path,
        icon_bytes=icon_bytes,
        network_security_config=network_config,
        network_config_cleartext=_network_config(apk, archive, network_config, target_sdk),
        permission_details=details,
        exported_components=exported,
        signers=signers,
        v3_lineage_sha256=lineage,
        broken_signatures=broken,
        dex_files=dex_files,
    )


def analyze_apk(
    path: Path, limits: ArchiveLimits = DEFAULT_LIMITS, *, resources: bool = True
) -> ApkFacts:
    """Analyse the APK at ``path``; raises :class:`ArtifactError` naming file and reason."""
    return analyze_apk_archive(SafeArchive.open(Path(path), limits), resources=resources)


def analyze_apk_bytes(name: str, raw: bytes, limits: ArchiveLimits = DEFAULT_LIMITS) -> ApkFacts:
    """Analyse APK bytes (uploads); ``name`` is used in error messages."""
    return analyze_apk_archive(SafeArchive(name, raw, limits))
