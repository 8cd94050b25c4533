"""APK Signature Scheme v2/v3 parsing and verification, and v3 key-rotation lineage.

Each v2/v3 signer is verified the way Android does: the signature over the signed
data with the signer's public key, the public key against the first certificate,
and the content digest over the ZIP sections (entries, central directory, end of
central directory) recomputed in 1 MiB chunks. A signer that fails any step is
reported as *not verified* with the reason. Parsing is bounded: a malformed block
raises :class:`SigningBlockError`, which the analyser reports as a broken signature.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Callable
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, padding, rsa

SIG_MAGIC = b"APK Sig Block 42"
V2_BLOCK_ID = 0x7109871A
V3_BLOCK_ID = 0xF05368C0
LINEAGE_ATTR_ID = 0x3BA06F8C
EOCD_MAGIC = b"PK\x05\x06"
CHUNK = 1024 * 1024

# algorithm ID -> (name, chunk digest, signature verifier kind)
ALGORITHMS: dict[int, tuple[str, str, str]] = {
    0x0101: ("RSASSA-PSS-SHA256", "sha256", "rsa-pss-256"),
    0x0102: ("RSASSA-PSS-SHA512", "sha512", "rsa-pss-512"),
    0x0103: ("RSASSA-PKCS1-v1_5-SHA256", "sha256", "rsa-pkcs1-256"),
    0x0104: ("RSASSA-PKCS1-v1_5-SHA512", "sha512", "rsa-pkcs1-512"),
    0x0201: ("ECDSA-SHA256", "sha256", "ecdsa-256"),
    0x0202: ("ECDSA-SHA512", "sha512", "ecdsa-512"),
    0x0301: ("DSA-SHA256", "sha256", "dsa-256"),
}
# Preference when a signer offers several: strongest first, as apksig does.
PREFERENCE = (0x0102, 0x0202, 0x0104, 0x0101, 0x0201, 0x0103, 0x0301)


class SigningBlockError(ValueError):
    """The APK Signing Block or a signer inside it is malformed."""


@dataclass(frozen=True)
class SchemeSigner:
    """One signer of a v2 or v3 signature block, with its verification outcome."""

    scheme: str
    certificates_der: tuple[bytes, ...]
    verified: bool
    problem: str | None
    algorithm: str | None
    lineage_der: tuple[bytes, ...] = ()

    @property
    def cert_sha256(self) -> str | None:
        if not self.certificates_der:
            return None
        return hashlib.sha256(self.certificates_der[0]).hexdigest()


@dataclass(frozen=True)
class ZipLayout:
    sig_block_offset: int
    cd_offset: int
    eocd_offset: int
    blocks: tuple[tuple[int, bytes], ...]


class _Reader:
    def __init__(self, data: bytes, what: str) -> None:
        self.data = data
        self.pos = 0
        self.what = what

    def remaining(self) -> int:
        return len(self.data) - self.pos

    def u32(self) -> int:
        if self.remaining() < 4:
            raise SigningBlockError(f"{self.what}: truncated (want a 32-bit length)")
        (value,) = struct.unpack_from("<I", self.data, self.pos)
        self.pos += 4
        return int(value)

    def take(self, size: int) -> bytes:
        if size < 0 or size > self.remaining():
            raise SigningBlockError(f"{self.what}: length {size} runs past the end")
        chunk = self.data[self.pos : self.pos + size]
        self.pos += size
        return chunk

    def prefixed(self) -> bytes:
        return self.take(self.u32())

    def sequence(self) -> list[bytes]:
        inner = _Reader(self.prefixed(), self.what)
        items = []
        while inner.remaining():
            items.append(inner.prefixed())
        return items


def locate(raw: bytes) -> ZipLayout | None:
    """Find the APK Signing Block; ``None`` when the APK has none (v1-only)."""
    start = max(0, len(raw) - 22 - 0xFFFF)
    eocd = raw.rfind(EOCD_MAGIC, start)
    if eocd < 0 or eocd + 22 > len(raw):
        return None
    (cd_offset,) = struct.unpack_from("<I", raw, eocd + 16)
    if cd_offset < 32 or cd_offset > eocd:
        return None
    size_end, magic = struct.unpack_from("<Q16s", raw, cd_offset - 24)
    if magic != SIG_MAGIC:
        return None
    block_start = cd_offset - size_end - 8
    if size_end < 24 or block_start < 0:
        raise SigningBlockError("APK Signing Block: size out of range")
    (size_start,) = struct.unpack_from("<Q", raw, block_start)
    if size_start != size_end:
        raise SigningBlockError("APK Signing Block: sizes at start and end differ")
    pos = block_start + 8
    end = cd_offset - 24
    blocks: list[tuple[int, bytes]] = []
    while pos < end:
        if pos + 12 > end:
            raise SigningBlockError("APK Signing Block: truncated pair")
        length, block_id = struct.unpack_from("<QI", raw, pos)
        if length < 4 or pos + 8 + length > end:
            raise SigningBlockError("APK Signing Block: pair length out of range")
        blocks.append((int(block_id), raw[pos + 12 : pos + 8 + length]))
        pos += 8 + length
    return ZipLayout(block_start, cd_offset, eocd, tuple(blocks))


def _chunks(data: bytes) -> list[bytes]:
    return [data[i : i + CHUNK] for i in range(0, len(data), CHUNK)] or []


def content_digest(raw: bytes, layout: ZipLayout, digest: str) -> bytes:
    """The v2/v3 top-level content digest of ``raw`` with the ``digest`` hash."""
    eocd = bytearray(raw[layout.eocd_offset :])
    struct.pack_into("<I", eocd, 16, layout.sig_block_offset)
    sections = (
        raw[: layout.sig_block_offset],
        raw[layout.cd_offset : layout.eocd_offset],
        bytes(eocd),
    )
    chunk_digests: list[bytes] = []
    for section in sections:
        for chunk in _chunks(section):
            h = hashlib.new(digest)
            h.update(b"\xa5" + struct.pack("<I", len(chunk)))
            h.update(chunk)
            chunk_digests.append(h.digest())
    top = hashlib.new(digest)
    top.update(b"\x5a" + struct.pack("<I", len(chunk_digests)))
    for item in chunk_digests:
        top.update(item)
    return top.digest()


def _verify_signature(kind: str, public_key_der: bytes, signature: bytes, data: bytes) -> None:
    key = serialization.load_der_public_key(public_key_der)
    sha: hashes.HashAlgorithm = hashes.SHA512() if kind.endswith("512") else hashes.SHA256()
    if kind.startswith("rsa-pss"):
        if not isinstance(key, rsa.RSAPublicKey):
            raise SigningBlockError("RSA algorithm with a non-RSA key")
        salt = 64 if kind.endswith("512") else 32
        key.verify(signature, data, padding.PSS(mgf=padding.MGF1(sha), salt_length=salt), sha)
    elif kind.startswith("rsa-pkcs1"):
        if not isinstance(key, rsa.RSAPublicKey):
            raise SigningBlockError("RSA algorithm with a non-RSA key")
        key.verify(signature, data, padding.PKCS1v15(), sha)
    elif kind.startswith("ecdsa"):
        if not isinstance(key, ec.EllipticCurvePublicKey):
            raise SigningBlockError("ECDSA algorithm with a non-EC key")
        key.verify(signature, data, ec.ECDSA(sha))
    else:
        if not isinstance(key, dsa.DSAPublicKey):
            raise SigningBlockError("DSA algorithm with a non-DSA key")
        key.verify(signature, data, sha)


def _pairs(items: list[bytes], what: str) -> dict[int, bytes]:
    found: dict[int, bytes] = {}
    for item in items:
        reader = _Reader(item, what)
        algorithm = reader.u32()
        found[algorithm] = reader.prefixed()
    return found


def parse_lineage(value: bytes) -> tuple[bytes, ...]:
    """Certificates (DER, oldest first) of a v3 proof-of-rotation lineage attribute."""
    reader = _Reader(value, "v3 lineage")
    reader.u32()  # version
    certs: list[bytes] = []
    while reader.remaining():
        node = _Reader(reader.prefixed(), "v3 lineage node")
        signed = _Reader(node.prefixed(), "v3 lineage signed data")
        certs.append(signed.prefixed())
    return tuple(certs)


def _parse_signer(
    raw_signer: bytes, scheme: str, digest_of: Callable[[str], bytes]
) -> SchemeSigner:
    reader = _Reader(raw_signer, f"{scheme} signer")
    signed_data = reader.prefixed()
    if scheme == "v3":
        reader.u32()  # minSdk
        reader.u32()  # maxSdk
    signatures = _pairs(reader.sequence(), f"{scheme} signatures")
    public_key = reader.prefixed()

    signed = _Reader(signed_data, f"{scheme} signed data")
    digests = _pairs(signed.sequence(), f"{scheme} digests")
    certs = tuple(signed.sequence())
    lineage: tuple[bytes, ...] = ()
    if scheme == "v3":
        signed.u32()
        signed.u32()
    for attribute in signed.sequence():
        attr = _Reader(attribute, f"{scheme} attribute")
        attr_id = attr.u32()
        if scheme == "v3" and attr_id == LINEAGE_ATTR_ID:
            lineage = parse_lineage(attr.take(attr.remaining()))

    def outcome(problem: str | None, algorithm: str | None) -> SchemeSigner:
        return SchemeSigner(scheme, certs, problem is None, problem, algorithm, lineage)

    if not certs:
        return outcome("no certificate", None)
    chosen = next((a for a in PREFERENCE if a in signatures), None)
    if chosen is None:
        return outcome("no supported signature algorithm", None)
    name, digest, kind = ALGORITHMS[chosen]
    try:
        _verify_signature(kind, public_key, signatures[chosen], signed_data)
    except InvalidSignature:
        return outcome("signature over the signed data does not verify", name)
    except (ValueError, UnsupportedAlgorithm, SigningBlockError) as exc:
        return outcome(f"unusable public key or signature: {exc}", name)
    try:
        cert_key = x509.load_der_x509_certificate(certs[0]).public_key()
        cert_key_der = cert_key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    except (ValueError, UnsupportedAlgorithm) as exc:
        return outcome(f"unreadable certificate: {exc}", name)
    if cert_key_der != public_key:
        return outcome("public key does not match the certificate", name)
    if chosen not in digests:
        return outcome("signed data lacks the digest of the signature algorithm", name)
    if digests[chosen] != digest_of(digest):
        return outcome("content digest does not match the APK (modified after signing)", name)
    return outcome(None, name)


def verify_scheme_signers(raw: bytes) -> tuple[list[SchemeSigner], list[SchemeSigner]]:
    """The v2 and v3 signers of ``raw`` with their verification outcome."""
    layout = locate(raw)
    if layout is None:
        return [], []
    cache: dict[str, bytes] = {}

    def digest_of(name: str) -> bytes:
        if name not in cache:
            cache[name] = content_digest(raw, layout, name)
        return cache[name]

    result: dict[str, list[SchemeSigner]] = {"v2": [], "v3": []}
    for scheme, block_id in (("v2", V2_BLOCK_ID), ("v3", V3_BLOCK_ID)):
        block = next((value for bid, value in layout.blocks if bid == block_id), None)
        if block is None:
            continue
        for raw_signer in _Reader(block, f"{scheme} block").sequence():
            result[scheme].append(_parse_signer(raw_signer, scheme, digest_of))
    return result["v2"], result["v3"]
