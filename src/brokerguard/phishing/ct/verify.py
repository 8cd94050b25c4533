"""Tree-head signatures (ECDSA P-256, RSA with SHA-256) and the checks on a log's Merkle tree.

Consistency is checked with the project's own RFC 6962 code
(:func:`brokerguard.audit.merkle.verify_consistency`); new entries are checked
by extending the last verified tree's frontier with their leaf hashes.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from brokerguard.errors import ValidationError
from brokerguard.phishing.ct.tls import CTFormatError, parse_digitally_signed, tree_head_input

MIN_RSA_BITS = 2048


class LogVerificationError(ValidationError):
    """A log that failed verification: bad signature, split view, wrong entries."""

    code = "ct_verification"


LogKey = ec.EllipticCurvePublicKey | rsa.RSAPublicKey


@dataclass(frozen=True)
class TreeHead:
    tree_size: int
    timestamp_ms: int
    root: bytes
    signature: bytes  # TLS DigitallySigned


def load_log_key(data: bytes) -> tuple[LogKey, str]:
    """A log's public key from PEM or DER (base64 DER as in log lists) and its log ID.

    The log ID is the base64 SHA-256 of the DER SubjectPublicKeyInfo (RFC 6962 3.2).
    """
    text = data.strip()
    try:
        if text.startswith(b"-----BEGIN"):
            key = serialization.load_pem_public_key(text)
        else:
            try:
                der = base64.b64decode(text, validate=True)
            except ValueError:
                der = text
            key = serialization.load_der_public_key(der)
    except (ValueError, TypeError) as exc:
        raise ValidationError(
            f"public key is not a valid PEM or DER key ({str(exc)[:80]})", field="public_key"
        ) from None
    if isinstance(key, ec.EllipticCurvePublicKey):
        if not isinstance(key.curve, ec.SECP256R1):
            raise ValidationError(f"ECDSA key on {key.curve.name}, not P-256", field="public_key")
    elif isinstance(key, rsa.RSAPublicKey):
        if key.key_size < MIN_RSA_BITS:
            raise ValidationError(f"RSA key of {key.key_size} bits", field="public_key")
    else:
        raise ValidationError("public key is neither ECDSA P-256 nor RSA", field="public_key")
    return key, base64.b64encode(log_id(key)).decode("ascii")


def log_id(key: LogKey) -> bytes:
    """The RFC 6962 LogID: SHA-256 of the key's DER SubjectPublicKeyInfo (3.2)."""
    spki = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(spki).digest()


def verify_tree_head(key: LogKey, head: TreeHead) -> None:
    """Raise :class:`LogVerificationError` unless ``head`` is signed by ``key``."""
    try:
        signed = parse_digitally_signed(head.signature)
    except CTFormatError as exc:
        raise LogVerificationError(f"tree head signature: {exc.message}") from None
    message = tree_head_input(0, head.timestamp_ms, head.tree_size, head.root)
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            if signed.algorithm != "ecdsa":
                raise LogVerificationError("tree head signed with RSA, log key is ECDSA")
            key.verify(signed.signature, message, ec.ECDSA(hashes.SHA256()))
        else:
            if signed.algorithm != "rsa":
                raise LogVerificationError("tree head signed with ECDSA, log key is RSA")
            key.verify(signed.signature, message, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise LogVerificationError(
            f"tree head of size {head.tree_size} has a bad signature"
        ) from None


def key_pem(key: LogKey) -> str:
    """The key as PEM SubjectPublicKeyInfo (how a followed log's key is stored)."""
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")
