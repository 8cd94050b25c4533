"""Signed notes and tree-head checkpoints (c2sp.org/signed-note, c2sp.org/tlog-checkpoint).

A static-ct-api log (c2sp.org/static-ct-api) publishes its signed tree head as a
checkpoint: the note text ``<origin>\\n<tree size>\\n<base64 root>\\n``, a blank
line, then signature lines ``— <key name> base64(key ID || signature)``.

Two signature types are verified:

- ``0x05``, the RFC 6962 ``TreeHeadSignature`` of a CT log (static-ct-api): the
  signature is ``uint64 timestamp || DigitallySigned`` over the RFC 6962 tree-head
  input, made with the log's ECDSA P-256 or RSA key; its key ID is
  ``SHA-256(origin || 0x0A || 0x05 || LogID)[:4]``;
- ``0x01``, Ed25519 over the note text (RFC 8032); key ID
  ``SHA-256(name || 0x0A || 0x01 || public key)[:4]``.

Signatures from unknown keys (another name or key ID: witnesses, rotated keys)
are ignored as the spec requires; a known key whose signature does not verify,
or no signature from a known key at all, rejects the note.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed25519

from brokerguard.phishing.ct.verify import LogKey, LogVerificationError, TreeHead, verify_tree_head

#: a checkpoint is a few hundred bytes; 16 post-quantum signatures are ~80 KiB
MAX_NOTE_BYTES = 128 * 1024
#: the spec asks verifiers to accept at least 16 signatures
MAX_SIGNATURES = 64
RFC6962_SIGNATURE_TYPE = 0x05
ED25519_SIGNATURE_TYPE = 0x01
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")
_DECIMAL = re.compile(r"^(0|[1-9][0-9]{0,19})$")


class NoteFormatError(ValueError):
    """Text that is not a signed note or not a checkpoint; the message says why."""


@dataclass(frozen=True)
class NoteSignature:
    name: str
    key_id: int
    signature: bytes  # after the 4-byte key ID


@dataclass(frozen=True)
class SignedNote:
    text: bytes  # the signed text, final newline included
    signatures: tuple[NoteSignature, ...]


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()


def key_id(name: str, signature_type: int, public_key: bytes) -> int:
    """``SHA-256(name || 0x0A || type || public key)[:4]`` as a big-endian integer."""
    digest = hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([signature_type]) + public_key)
    return int.from_bytes(digest.digest()[:4], "big")


def parse_note(data: bytes) -> SignedNote:
    """Split a signed note into its text and signature lines (nothing verified yet)."""
    if len(data) > MAX_NOTE_BYTES:
        raise NoteFormatError(f"note is larger than {MAX_NOTE_BYTES} bytes")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise NoteFormatError("note is not UTF-8") from None
    if _CONTROL.search(text):
        raise NoteFormatError("note contains a control character other than newline")
    if not text.endswith("\n"):
        raise NoteFormatError("note does not end with a newline")
    split = text.rfind("\n\n")
    if split < 0:
        raise NoteFormatError("note has no blank line before its signatures")
    body, lines = text[: split + 1], text[split + 2 : -1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteFormatError(f"note has more than {MAX_SIGNATURES} signatures")
    signatures = []
    for line in lines:
        if not line.startswith("\u2014 "):
            raise NoteFormatError("signature line does not start with an em dash and a space")
        name, _, encoded = line[2:].partition(" ")
        if not name or not encoded or " " in encoded or "+" in name:
            raise NoteFormatError("signature line is not '— <key name> <base64 signature>'")
        try:
            raw = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise NoteFormatError(f"signature of {name[:64]!r} is not base64") from None
        if len(raw) < 5:
            raise NoteFormatError(f"signature of {name[:64]!r} is shorter than a key ID")
        signatures.append(NoteSignature(name, int.from_bytes(raw[:4], "big"), raw[4:]))
    return SignedNote(body.encode("utf-8"), tuple(signatures))


def parse_checkpoint(text: bytes) -> Checkpoint:
    """Origin, tree size and root hash of a checkpoint's note text."""
    lines = text.decode("utf-8").split("\n")
    if len(lines) < 4 or lines[-1] != "" or any(not line for line in lines[:-1]):
        raise NoteFormatError("checkpoint is not origin, size and root on non-empty lines")
    origin, size, root = lines[0], lines[1], lines[2]
    if not _DECIMAL.match(size) or int(size) >= 1 << 63:
        raise NoteFormatError(f"checkpoint tree size {size[:32]!r} is not a decimal integer")
    try:
        root_hash = base64.b64decode(root, validate=True)
    except (binascii.Error, ValueError):
        raise NoteFormatError("checkpoint root hash is not base64") from None
    if len(root_hash) != 32:
        raise NoteFormatError(f"checkpoint root hash is {len(root_hash)} bytes, not 32")
    return Checkpoint(origin, int(size), root_hash, tuple(lines[3:-1]))


class NoteVerifier(Protocol):
    """One trusted key: its name, key ID, and the check of its signature on a note."""

    name: str
    key_id: int

    def verify(self, text: bytes, signature: bytes) -> TreeHead:
        """The tree head the signature vouches for; raises :class:`LogVerificationError`."""
        ...


class RFC6962NoteVerifier:
    """A CT log's ``RFC6962NoteSignature`` (type 0x05) under its origin."""

    def __init__(self, origin: str, key: LogKey, log_id: bytes) -> None:
        self.name = origin
        self.key = key
        self.key_id = key_id(origin, RFC6962_SIGNATURE_TYPE, log_id)

    def verify(self, text: bytes, signature: bytes) -> TreeHead:
        checkpoint = parse_checkpoint(text)
        if checkpoint.extensions:
            raise LogVerificationError("an RFC 6962 signed checkpoint has extension lines")
        if len(signature) < 8:
            raise LogVerificationError("RFC 6962 note signature is shorter than its timestamp")
        head = TreeHead(
            tree_size=checkpoint.size,
            timestamp_ms=int.from_bytes(signature[:8], "big"),
            root=checkpoint.root,
            signature=signature[8:],
        )
        verify_tree_head(self.key, head)
        return head


class Ed25519NoteVerifier:
    """An Ed25519 note key (type 0x01); the tree head has no timestamp (0)."""

    def __init__(self, name: str, key: ed25519.Ed25519PublicKey) -> None:
        self.name = name
        self.key = key
        self.key_id = key_id(name, ED25519_SIGNATURE_TYPE, key.public_bytes_raw())

    def verify(self, text: bytes, signature: bytes) -> TreeHead:
        try:
            self.key.verify(signature, text)
        except InvalidSignature:
            raise LogVerificationError(f"note signature of {self.name} does not verify") from None
        checkpoint = parse_checkpoint(text)
        return TreeHead(checkpoint.size, 0, checkpoint.root, b"")


def open_checkpoint(data: bytes, verifier: NoteVerifier) -> tuple[Checkpoint, TreeHead]:
    """The checkpoint in ``data`` and the tree head ``verifier``'s key signed.

    Raises :class:`NoteFormatError` for text that is not a checkpoint and
    :class:`LogVerificationError` when the trusted key's signature is missing or
    does not verify, or the origin line is not the key's name.
    """
    note = parse_note(data)
    checkpoint = parse_checkpoint(note.text)
    known = [s for s in note.signatures if s.name == verifier.name and s.key_id == verifier.key_id]
    if not known:
        raise LogVerificationError(
            f"checkpoint has no signature by the log's key ({verifier.name}, "
            f"key ID {verifier.key_id:08x})"
        )
    if checkpoint.origin != verifier.name:
        raise LogVerificationError(
            f"checkpoint origin {checkpoint.origin[:128]!r} is not the log's {verifier.name!r}"
        )
    heads = [verifier.verify(note.text, s.signature) for s in known]
    return checkpoint, heads[0]
