"""AES-GCM encryption of recoverable secrets (TOTP seeds, webhook keys), with key rotation (A9.5).

Keys are files under ``<data_dir>/keys/auth-seed-v<N>`` created at first use by
:func:`brokerguard.keys.load_or_create_secret`. Ciphertexts carry their key version
(``v<N>:<base64 nonce+ciphertext>``) so older versions stay readable until
:func:`rotate` re-encrypts them with the current key.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from brokerguard.errors import ConfigurationError
from brokerguard.keys import load_or_create_secret


class SecretBox:
    def __init__(self, data_dir: Path, current_version: int, key_name: str = "auth-seed") -> None:
        if current_version < 1:
            raise ConfigurationError("key version must be >= 1", field="seed_key_version")
        self.data_dir = data_dir
        self.current_version = current_version
        self.key_name = key_name
        self._keys: dict[int, bytes] = {}

    def _key(self, version: int) -> bytes:
        key = self._keys.get(version)
        if key is None:
            name = f"{self.key_name}-v{version}"
            key = load_or_create_secret(self.data_dir, name, 32)[:32]
            if len(key) != 32:
                raise ConfigurationError(f"key {name} must be 32 bytes")
            self._keys[version] = key
        return key

    def encrypt(self, plaintext: bytes, context: str) -> str:
        nonce = os.urandom(12)
        sealed = AESGCM(self._key(self.current_version)).encrypt(nonce, plaintext, context.encode())
        return f"v{self.current_version}:" + base64.b64encode(nonce + sealed).decode("ascii")

    @staticmethod
    def version_of(ciphertext: str) -> int:
        prefix, sep, _ = ciphertext.partition(":")
        if not sep or not prefix.startswith("v") or not prefix[1:].isdigit():
            raise ConfigurationError("ciphertext has no key version", field="ciphertext")
        return int(prefix[1:])

    def decrypt(self, ciphertext: str, context: str) -> bytes:
        version = self.version_of(ciphertext)
        raw = base64.b64decode(ciphertext.partition(":")[2])
        try:
            return AESGCM(self._key(version)).decrypt(raw[:12], raw[12:], context.encode())
        except InvalidTag:
            raise ConfigurationError(
                "stored secret does not decrypt (wrong key or altered)", field="ciphertext"
            ) from None

    def needs_rotation(self, ciphertext: str) -> bool:
        return self.version_of(ciphertext) != self.current_version

    def rotate(self, ciphertext: str, context: str) -> str:
        return self.encrypt(self.decrypt(ciphertext, context), context)
