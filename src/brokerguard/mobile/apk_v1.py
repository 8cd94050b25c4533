"""APK v1 (JAR) signing: entry digests of ``MANIFEST.MF`` and the ``.SF`` manifest digests.

androguard verifies each signer's PKCS#7 signature over its ``.SF`` file; this module
checks the rest of the chain the way apksig does: the ``.SF`` file's digest of the
manifest (whole, or section by section), and every entry's digest in the manifest,
with every entry that needs one listed. Any gap means the APK changed after signing.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass

from brokerguard.mobile.archive import SafeArchive

MANIFEST = "META-INF/MANIFEST.MF"
SIGNATURE_FILE_RE = re.compile(r"^META-INF/[^/]+\.(SF|RSA|DSA|EC)$", re.IGNORECASE)
DIGESTS = {
    "SHA-512": "sha512",
    "SHA-384": "sha384",
    "SHA-256": "sha256",
    "SHA1": "sha1",
    "SHA-1": "sha1",
}


@dataclass(frozen=True)
class Section:
    raw: bytes
    attributes: dict[str, str]

    @property
    def name(self) -> str | None:
        return self.attributes.get("Name")


def parse_sections(data: bytes) -> list[Section]:
    """Split a manifest into sections, keeping each section's exact bytes."""
    sections: list[Section] = []
    lines = data.splitlines(keepends=True)
    current: list[bytes] = []
    for line in [*lines, b"\n"]:
        if line.strip(b"\r\n"):
            current.append(line)
            continue
        if current:
            raw = b"".join(current) + line
            sections.append(Section(raw, _attributes(current)))
            current = []
    return sections


def _attributes(lines: list[bytes]) -> dict[str, str]:
    logical: list[str] = []
    for line in lines:
        text = line.rstrip(b"\r\n").decode("utf-8", errors="replace")
        if text.startswith(" ") and logical:
            logical[-1] += text[1:]
        else:
            logical.append(text)
    found: dict[str, str] = {}
    for item in logical:
        key, sep, value = item.partition(": ")
        if sep:
            found[key.strip()] = value
    return found


def _digest_matches(attributes: dict[str, str], suffix: str, data: bytes) -> bool | None:
    """True/False when a known ``<ALG>-Digest<suffix>`` attribute is present, else None."""
    seen = False
    for prefix, algorithm in DIGESTS.items():
        value = attributes.get(f"{prefix}-Digest{suffix}")
        if value is None:
            continue
        seen = True
        try:
            expected = base64.b64decode(value, validate=True)
        except ValueError:
            return False
        if hashlib.new(algorithm, data).digest() != expected:
            return False
    return True if seen else None


def _needs_digest(name: str) -> bool:
    if name.endswith("/") or name == MANIFEST or SIGNATURE_FILE_RE.match(name):
        return False
    return not (name.startswith("META-INF/") and name[9:].upper().startswith("SIG-"))


def verify_v1_content(archive: SafeArchive) -> list[str]:
    """Problems with the v1 entry and manifest digests (empty: intact or not v1-signed)."""
    signature_files = [
        n for n in archive.names() if n.startswith("META-INF/") and n.upper().endswith(".SF")
    ]
    if not signature_files or not archive.has(MANIFEST):
        return []
    manifest = archive.read(MANIFEST, archive.limits.max_manifest_bytes)
    sections = parse_sections(manifest)
    by_name = {s.name: s for s in sections[1:] if s.name}
    problems: list[str] = []
    for name in archive.names():
        if not _needs_digest(name):
            continue
        section = by_name.get(name)
        if section is None:
            problems.append(f"entry {name} is not in MANIFEST.MF (added after signing)")
            continue
        if _digest_matches(section.attributes, "", archive.read(name)) is not True:
            problems.append(f"entry {name}: digest does not match MANIFEST.MF")
    for missing in sorted(set(by_name) - set(archive.names())):
        problems.append(f"MANIFEST.MF lists {missing}, which is not in the APK")
    for sf_name in signature_files:
        sf_sections = parse_sections(archive.read(sf_name, archive.limits.max_manifest_bytes))
        if not sf_sections:
            problems.append(f"{sf_name} is empty")
            continue
        whole = _digest_matches(sf_sections[0].attributes, "-Manifest", manifest)
        if whole is True:
            continue
        sf_by_name = {s.name: s for s in sf_sections[1:] if s.name}
        for name, section in by_name.items():
            sf_section = sf_by_name.get(name)
            if (
                sf_section is None
                or _digest_matches(sf_section.attributes, "", section.raw) is not True
            ):
                problems.append(f"{sf_name}: manifest section of {name} does not match")
                break
    return problems
