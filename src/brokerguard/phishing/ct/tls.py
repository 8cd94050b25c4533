"""RFC 6962 TLS-encoded structures: the Merkle tree leaf and the signed tree head input.

Every reader checks lengths before slicing and raises :class:`CTFormatError`
naming the field, so a truncated or hostile ``leaf_input`` is a typed error for
that entry, never an ``IndexError``.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import NamedTuple

from brokerguard.errors import ValidationError

X509_ENTRY = 0
PRECERT_ENTRY = 1
_SIGNATURE_ALGORITHMS = {1: "rsa", 3: "ecdsa"}  # RFC 5246 SignatureAlgorithm
_SHA256 = 4


class CTFormatError(ValidationError):
    """A CT structure that does not parse; ``message`` names the field."""

    code = "ct_format"


class TLSReader:
    """Reads TLS presentation-language fields; a short read raises :class:`CTFormatError`."""

    def __init__(self, data: bytes, what: str) -> None:
        self.data = data
        self.pos = 0
        self.what = what

    def take(self, size: int, field: str) -> bytes:
        end = self.pos + size
        if end > len(self.data):
            raise CTFormatError(f"{self.what}: truncated at {field}", field=field)
        chunk = self.data[self.pos : end]
        self.pos = end
        return chunk

    def uint(self, size: int, field: str) -> int:
        return int.from_bytes(self.take(size, field), "big")

    def opaque(self, length_size: int, field: str) -> bytes:
        return self.take(self.uint(length_size, field), field)

    def done(self) -> None:
        if self.pos != len(self.data):
            raise CTFormatError(
                f"{self.what}: {len(self.data) - self.pos} bytes after the end", field="trailing"
            )


class LogLeaf(NamedTuple):
    """A ``MerkleTreeLeaf`` (v1, timestamped entry).

    A named tuple: the monitor builds one per logged certificate, and a tuple is
    built several times faster than a frozen dataclass.
    """

    timestamp_ms: int
    entry_type: int  # X509_ENTRY | PRECERT_ENTRY
    #: the certificate DER (x509) or the TBSCertificate DER (precert)
    body: bytes
    issuer_key_hash: bytes = b""


def parse_leaf(leaf_input: bytes) -> LogLeaf:
    """The ``MerkleTreeLeaf`` in ``leaf_input``; raises :class:`CTFormatError` naming the field.

    A well-formed leaf is sliced directly (the monitor's hot path); anything else
    goes through the field-by-field reader, which says what is wrong.
    """
    size = len(leaf_input)
    if size > 14 and leaf_input[0] == 0 and leaf_input[1] == 0 and leaf_input[10] == 0:
        entry_type = leaf_input[11]
        start = 12 if entry_type == X509_ENTRY else 44 if entry_type == PRECERT_ENTRY else size
        body_end = start + 3 + int.from_bytes(leaf_input[start : start + 3], "big")
        if (
            start + 3 < body_end <= size - 2
            and body_end + 2 + int.from_bytes(leaf_input[body_end : body_end + 2], "big") == size
        ):
            return LogLeaf(
                int.from_bytes(leaf_input[2:10], "big"),
                entry_type,
                leaf_input[start + 3 : body_end],
                leaf_input[12:44] if entry_type == PRECERT_ENTRY else b"",
            )
    return _parse_leaf_fields(leaf_input)


def _parse_leaf_fields(leaf_input: bytes) -> LogLeaf:
    reader = TLSReader(leaf_input, "leaf_input")
    version = reader.uint(1, "version")
    if version != 0:
        raise CTFormatError(f"leaf_input: unknown version {version}", field="version")
    leaf_type = reader.uint(1, "leaf_type")
    if leaf_type != 0:
        raise CTFormatError(f"leaf_input: unknown leaf type {leaf_type}", field="leaf_type")
    timestamp = reader.uint(8, "timestamp")
    entry_type = reader.uint(2, "entry_type")
    issuer_key_hash = b""
    if entry_type == X509_ENTRY:
        body = reader.opaque(3, "asn1_cert")
    elif entry_type == PRECERT_ENTRY:
        issuer_key_hash = reader.take(32, "issuer_key_hash")
        body = reader.opaque(3, "tbs_certificate")
    else:
        raise CTFormatError(f"leaf_input: unknown entry type {entry_type}", field="entry_type")
    if not body:
        raise CTFormatError("leaf_input: empty certificate", field="asn1_cert")
    reader.opaque(2, "extensions")
    reader.done()
    return LogLeaf(timestamp, entry_type, body, issuer_key_hash)


def encode_leaf(leaf: LogLeaf, extensions: bytes = b"") -> bytes:
    """The ``leaf_input`` of ``leaf`` (the inverse of :func:`parse_leaf`)."""
    head = struct.pack(">BBQH", 0, 0, leaf.timestamp_ms, leaf.entry_type)
    if leaf.entry_type == PRECERT_ENTRY:
        head += leaf.issuer_key_hash
    body = len(leaf.body).to_bytes(3, "big") + leaf.body
    return head + body + len(extensions).to_bytes(2, "big") + extensions


def precert_from_extra_data(extra_data: bytes) -> bytes:
    """The pre-certificate DER at the head of a precert entry's ``extra_data``."""
    reader = TLSReader(extra_data, "extra_data")
    return reader.opaque(3, "pre_certificate")


def tree_head_input(version: int, timestamp_ms: int, tree_size: int, root: bytes) -> bytes:
    """The signed bytes of an RFC 6962 ``TreeHeadSignature`` (signature_type tree_hash)."""
    return struct.pack(">BBQQ", version, 1, timestamp_ms, tree_size) + root


@dataclass(frozen=True)
class DigitallySigned:
    algorithm: str  # "ecdsa" | "rsa"
    signature: bytes


def parse_digitally_signed(data: bytes) -> DigitallySigned:
    reader = TLSReader(data, "tree_head_signature")
    hash_alg = reader.uint(1, "hash_algorithm")
    sig_alg = reader.uint(1, "signature_algorithm")
    signature = reader.opaque(2, "signature")
    reader.done()
    if hash_alg != _SHA256:
        raise CTFormatError(f"hash algorithm {hash_alg} is not SHA-256", field="hash_algorithm")
    if sig_alg not in _SIGNATURE_ALGORITHMS:
        raise CTFormatError(
            f"signature algorithm {sig_alg} is neither RSA nor ECDSA", field="signature_algorithm"
        )
    return DigitallySigned(_SIGNATURE_ALGORITHMS[sig_alg], signature)


def encode_digitally_signed(algorithm: str, signature: bytes) -> bytes:
    code = {v: k for k, v in _SIGNATURE_ALGORITHMS.items()}[algorithm]
    return bytes([_SHA256, code]) + len(signature).to_bytes(2, "big") + signature
