"""Ed25519 signing of tree heads. The key is generated at first run
(``<data_dir>/keys/audit-ed25519``, mode 0600) and its public half is exportable."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from brokerguard.errors import ConfigurationError, ValidationError
from brokerguard.keys import load_or_create_secret

KEY_NAME = "audit-ed25519"


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


@dataclass(frozen=True)
class HeadSigner:
    private: Ed25519PrivateKey

    @classmethod
    def load(cls, data_dir: Path) -> HeadSigner:
        seed = load_or_create_secret(data_dir, KEY_NAME, 32)
        if len(seed) != 32:
            raise ConfigurationError(f"audit signing key must be 32 bytes, has {len(seed)}")
        return cls(Ed25519PrivateKey.from_private_bytes(seed))

    @property
    def verifier(self) -> HeadVerifier:
        return HeadVerifier(self.private.public_key())

    def sign(self, payload: bytes) -> bytes:
        return self.private.sign(payload)


@dataclass(frozen=True)
class HeadVerifier:
    public: Ed25519PublicKey

    @property
    def key_id(self) -> str:
        return hashlib.sha256(_raw_public(self.public)).hexdigest()

    def verify(self, signature: bytes, payload: bytes) -> bool:
        try:
            self.public.verify(signature, payload)
        except InvalidSignature:
            return False
        return True

    def public_pem(self) -> str:
        return self.public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")

    @classmethod
    def from_pem(cls, text: bytes) -> HeadVerifier:
        try:
            key = serialization.load_pem_public_key(text)
        except ValueError as error:
            raise ValidationError(f"not a PEM public key: {error}", field="public_key") from None
        if not isinstance(key, Ed25519PublicKey):
            raise ValidationError("the public key is not Ed25519", field="public_key")
        return cls(key)
