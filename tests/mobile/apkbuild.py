"""Test-only builders: APKs re-signed with a test key (v2 scheme), minimal DEX files, IPAs."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import plistlib
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from brokerguard.mobile.apk_signing import ZipLayout, content_digest
from tests.mobile.axml import Element, write_axml

ROOT_AND_DEBUG_STRINGS = (
    "/system/xbin/su",
    "com.topjohnwu.magisk",
    "isDebuggerConnected",
    "adb_enabled",
    "https://api.example-securities.com.tw/v1",
)


@dataclass(frozen=True)
class ReleaseSigner:
    key: rsa.RSAPrivateKey
    cert_der: bytes

    @property
    def cert_sha256(self) -> str:
        return hashlib.sha256(self.cert_der).hexdigest()


def make_signer(name: str = "Demo Securities Release") -> ReleaseSigner:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    return ReleaseSigner(key, cert.public_bytes(serialization.Encoding.DER))


def dex_with_strings(strings: tuple[str, ...]) -> bytes:
    """A DEX header plus a string table: enough for the string scanner."""
    header_size = 0x70
    ids_offset = header_size
    data_offset = ids_offset + 4 * len(strings)
    ids = b""
    data = b""
    for value in strings:
        encoded = value.encode()
        ids += struct.pack("<I", data_offset + len(data))
        data += bytes([len(value)]) + encoded + b"\x00"
    header = bytearray(header_size)
    header[0:8] = b"dex\n035\x00"
    struct.pack_into("<II", header, 0x38, len(strings), ids_offset)
    return bytes(header) + ids + data


def _prefixed(data: bytes) -> bytes:
    return struct.pack("<I", len(data)) + data


def sign_v2(unsigned: bytes, signer: ReleaseSigner) -> bytes:
    """Insert an APK Signature Scheme v2 block (RSA PKCS#1 v1.5 SHA-256) into a ZIP."""
    eocd = unsigned.rfind(b"PK\x05\x06")
    (cd_offset,) = struct.unpack_from("<I", unsigned, eocd + 16)
    layout = ZipLayout(cd_offset, cd_offset, eocd, ())
    digest = content_digest(unsigned, layout, "sha256")
    algorithm = 0x0103
    digests = _prefixed(_prefixed(struct.pack("<I", algorithm) + _prefixed(digest)))
    certs = _prefixed(_prefixed(signer.cert_der))
    signed_data = digests + certs + _prefixed(b"")
    signature = signer.key.sign(signed_data, padding.PKCS1v15(), hashes.SHA256())
    public_key = signer.key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signer_bytes = (
        _prefixed(signed_data)
        + _prefixed(_prefixed(struct.pack("<I", algorithm) + _prefixed(signature)))
        + _prefixed(public_key)
    )
    value = _prefixed(_prefixed(signer_bytes))
    pair = struct.pack("<QI", 4 + len(value), 0x7109871A) + value
    size = len(pair) + 8 + 16
    block = struct.pack("<Q", size) + pair + struct.pack("<Q", size) + b"APK Sig Block 42"
    tail = bytearray(unsigned[cd_offset:])
    struct.pack_into("<I", tail, eocd - cd_offset + 16, cd_offset + len(block))
    return unsigned[:cd_offset] + block + bytes(tail)


def rebuild_apk(
    base: Path,
    signer: ReleaseSigner,
    *,
    extra: dict[str, bytes] | None = None,
    code_strings: tuple[str, ...] = ROOT_AND_DEBUG_STRINGS,
) -> bytes:
    """``base``'s manifest and resources, new code strings, signed v2 with ``signer``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            if info.filename.startswith("META-INF/") or info.filename.endswith(".dex"):
                continue
            target.writestr(info.filename, source.read(info.filename), zipfile.ZIP_DEFLATED)
        target.writestr("classes.dex", dex_with_strings(code_strings), zipfile.ZIP_DEFLATED)
        for name, data in (extra or {}).items():
            target.writestr(name, data, zipfile.ZIP_DEFLATED)
    return sign_v2(buffer.getvalue(), signer)


def build_ipa(
    *,
    bundle_id: str = "tw.com.demosec.trade",
    version: str = "5.2.0",
    build: str = "520",
    binary_plist: bool = False,
    info_extra: dict[str, Any] | None = None,
    entitlements: dict[str, Any] | None = None,
    developer_cert: bytes | None = b"test-developer-cert",
    executable_strings: tuple[str, ...] = ("/Applications/Cydia.app", "PT_DENY_ATTACH"),
    app_name: str = "DemoTrade",
) -> bytes:
    info: dict[str, Any] = {
        "CFBundleIdentifier": bundle_id,
        "CFBundleShortVersionString": version,
        "CFBundleVersion": build,
        "MinimumOSVersion": "15.0",
        "CFBundleDisplayName": "示範證券",
        "CFBundleExecutable": app_name,
        "NSCameraUsageDescription": "拍攝身分證件以完成線上開戶",
        "NSFaceIDUsageDescription": "以 Face ID 登入",
    }
    info.update(info_extra or {})
    fmt = plistlib.FMT_BINARY if binary_plist else plistlib.FMT_XML
    profile = {
        "Name": "Demo Trade Distribution",
        "TeamIdentifier": ["ABCDE12345"],
        "ExpirationDate": dt.datetime(2027, 6, 30, tzinfo=dt.UTC),
        "Entitlements": entitlements
        if entitlements is not None
        else {"application-identifier": f"ABCDE12345.{bundle_id}", "get-task-allow": False},
        "DeveloperCertificates": [developer_cert] if developer_cert is not None else [],
    }
    envelope = b"\x30\x82\x01\x00CMS-envelope" + plistlib.dumps(profile) + b"\x00\x00signature"
    binary = b"\xcf\xfa\xed\xfe" + b"\x00".join(s.encode() for s in executable_strings) + b"\x00"
    buffer = io.BytesIO()
    base = f"Payload/{app_name}.app/"
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(base, b"")
        archive.writestr(base + "Info.plist", plistlib.dumps(info, fmt=fmt))
        archive.writestr(base + "embedded.mobileprovision", envelope)
        archive.writestr(base + app_name, binary)
        archive.writestr(base + "AppIcon60x60@2x.png", b"\x89PNG\r\n\x1a\nicon")
    return buffer.getvalue()


def synthetic_apk(
    signer: ReleaseSigner,
    *,
    package: str = "tw.com.demosec.trade",
    version_code: str = "520",
    version_name: str = "5.2.0",
    target_sdk: str = "34",
    permissions: tuple[str, ...] = ("android.permission.INTERNET",),
    application: dict[str, str | bool] | None = None,
    network_config: Element | bytes | None = None,
    code_strings: tuple[str, ...] = ROOT_AND_DEBUG_STRINGS,
    components: tuple[Element, ...] = (),
) -> bytes:
    """A v2-signed APK with a manifest written from scratch (no resource table)."""
    attributes: dict[str, str | bool] = {"android:allowBackup": False}
    attributes.update(application or {})
    if network_config is not None:
        attributes["android:networkSecurityConfig"] = "res/xml/network_security_config.xml"
    manifest = Element(
        "manifest",
        {
            "package": package,
            "android:versionCode": version_code,
            "android:versionName": version_name,
        },
        [
            Element(
                "uses-sdk", {"android:minSdkVersion": "26", "android:targetSdkVersion": target_sdk}
            ),
            *(Element("uses-permission", {"android:name": p}) for p in permissions),
            Element("application", attributes, list(components)),
        ],
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("AndroidManifest.xml", write_axml(manifest))
        archive.writestr("classes.dex", dex_with_strings(code_strings))
        if network_config is not None:
            data = (
                network_config if isinstance(network_config, bytes) else write_axml(network_config)
            )
            archive.writestr("res/xml/network_security_config.xml", data)
    return sign_v2(buffer.getvalue(), signer)
