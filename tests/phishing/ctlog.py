"""A loopback RFC 6962 log for tests and benchmarks: real HTTP, real signatures, real Merkle tree.

It can misbehave on request: short pages, more entries than asked, a bad
tree-head signature, a forked history (split view), HTML or HTTP 500 answers,
a tampered ``leaf_input``.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

from brokerguard.audit.merkle import consistency_proof, inclusion_proof, leaf_hash, root_of
from brokerguard.phishing.ct.tls import (
    PRECERT_ENTRY,
    X509_ENTRY,
    LogLeaf,
    encode_digitally_signed,
    encode_leaf,
    tree_head_input,
)
from tests.phishing.loopback import PREFIX, LoopbackServer, Reply

_CA_KEY = ec.generate_private_key(ec.SECP256R1())
_CA_NAME = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Loopback Test CA")])
NOT_BEFORE = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


def make_certificate(names: list[str], serial: int = 1) -> x509.Certificate:
    """A leaf certificate for ``names`` (A-labels), CN the first name, signed by a test CA."""
    key = _CA_KEY  # the subject key does not matter to the monitor
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .issuer_name(_CA_NAME)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(NOT_BEFORE)
        .not_valid_after(NOT_BEFORE + dt.timedelta(days=90))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), False)
    )
    return builder.sign(_CA_KEY, hashes.SHA256())


def make_entry(names: list[str], *, precert: bool = False, serial: int = 1) -> tuple[bytes, bytes]:
    """(leaf_input, extra_data) of an x509 or precert entry for ``names``."""
    cert = make_certificate(names, serial)
    der = cert.public_bytes(serialization.Encoding.DER)
    if precert:
        leaf = LogLeaf(1_700_000_000_000 + serial, PRECERT_ENTRY, cert.tbs_certificate_bytes,
                       b"\x11" * 32)  # fmt: skip
        extra = len(der).to_bytes(3, "big") + der + b"\x00\x00\x00"
    else:
        leaf = LogLeaf(1_700_000_000_000 + serial, X509_ENTRY, der)
        extra = b"\x00\x00\x00"
    return encode_leaf(leaf), extra


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@dataclass
class FakeLog:
    """The log's state; the HTTP handler reads it on every request."""

    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    entries: list[tuple[bytes, bytes]] = field(default_factory=list)
    page_limit: int = 1000
    extra_entries: int = 0  # get-entries answers this many more than asked
    bad_signature: bool = False
    answer: str = "json"  # "json" | "html" | "500" | "close"
    #: served leaf_input replaced for this index (the tree keeps the real one)
    tamper_index: int | None = None
    #: a forked history: the signed tree of this size uses other entries
    fork: list[tuple[bytes, bytes]] | None = None
    requests: list[str] = field(default_factory=list)

    def public_pem(self) -> bytes:
        return self.key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def add(self, names: list[str], *, precert: bool = False) -> int:
        self.entries.append(make_entry(names, precert=precert, serial=len(self.entries) + 1))
        return len(self.entries) - 1

    #: when set (a shared integer with ``.value``), only that many entries are published
    visible: Any = None

    def _tree(self) -> list[tuple[bytes, bytes]]:
        if self.fork is not None:
            return self.fork
        return self.entries if self.visible is None else self.entries[: self.visible.value]

    def _hashes(self) -> list[bytes]:
        tree = self._tree()
        cache: list[bytes] = self.__dict__.setdefault("_hash_cache", [])
        if self.__dict__.get("_hash_tree") is not tree or len(cache) > len(tree):
            cache.clear()
            self.__dict__["_hash_tree"] = tree
        cache.extend(leaf_hash(leaf) for leaf, _ in tree[len(cache) :])
        return cache[: len(tree)]

    def sth(self) -> dict[str, Any]:
        hashes_ = self._hashes()
        root = root_of(hashes_)
        timestamp = 1_760_000_000_000 + len(hashes_)
        message = tree_head_input(0, timestamp, len(hashes_), root)
        if isinstance(self.key, ec.EllipticCurvePrivateKey):
            signature = self.key.sign(message, ec.ECDSA(hashes.SHA256()))
            algorithm = "ecdsa"
        else:
            signature = self.key.sign(message, padding.PKCS1v15(), hashes.SHA256())
            algorithm = "rsa"
        if self.bad_signature:
            signature = signature[:-1] + bytes([signature[-1] ^ 1])
        return {
            "tree_size": len(hashes_),
            "timestamp": timestamp,
            "sha256_root_hash": _b64(root),
            "tree_head_signature": _b64(encode_digitally_signed(algorithm, signature)),
        }

    def _encoded(self, leaf: bytes, extra: bytes) -> dict[str, str]:
        """Base64 of an entry, kept (a real log serves stored entries, not fresh encodings)."""
        cache: dict[tuple[bytes, bytes], dict[str, str]] = self.__dict__.setdefault("_b64", {})
        key = (leaf, extra)
        if key not in cache:
            cache[key] = {"leaf_input": _b64(leaf), "extra_data": _b64(extra)}
        return cache[key]

    def respond(self, path: str, query: dict[str, list[str]]) -> Reply:
        """The HTTP reply to ``GET <log>/<path>?<query>`` (see :class:`LoopbackLog`)."""
        self.requests.append(PREFIX + path)
        if self.answer == "close":
            return Reply(close=True)
        if self.answer == "500":
            return Reply(500, "text/plain", b"internal error")
        if self.answer == "html":
            return Reply(200, "text/html", b"<html><body>maintenance</body></html>")
        try:
            numbers = {k: int(v[0]) for k, v in query.items()}
            data = self.handle(path.rsplit("/", 1)[-1], numbers)
        except (KeyError, IndexError, ValueError):
            return Reply(400, "text/plain", b"bad request")
        return Reply(body=json.dumps(data).encode("utf-8"))

    def handle(self, path: str, query: dict[str, int]) -> dict[str, Any]:
        tree = self._tree()

        def mth(lo: int, hi: int) -> bytes:
            return root_of(self._hashes()[lo:hi])

        if path == "get-sth":
            return self.sth()
        if path == "get-entries":
            start, end = query["start"], min(query["end"], len(tree) - 1)
            end = min(end, start + self.page_limit - 1) + self.extra_entries
            items = []
            for index in range(start, min(end, len(tree) - 1) + 1):
                leaf, extra = tree[index]
                if index == self.tamper_index:  # another timestamp: parses, hashes differently
                    leaf = leaf[:5] + bytes([leaf[5] ^ 1]) + leaf[6:]
                items.append(self._encoded(leaf, extra))
            if self.extra_entries:
                items.extend(items[: self.extra_entries])
            return {"entries": items}
        if path == "get-sth-consistency":
            proof = consistency_proof(query["first"], query["second"], mth)
            return {"consistency": [_b64(p) for p in proof]}
        if path == "get-entry-and-proof":
            index, size = query["leaf_index"], query["tree_size"]
            leaf, extra = tree[index]
            proof = inclusion_proof(index, size, mth)
            return {
                "leaf_input": _b64(leaf),
                "extra_data": _b64(extra),
                "audit_path": [_b64(p) for p in proof],
            }
        raise KeyError(path)


class LoopbackLog(LoopbackServer[FakeLog]):
    """Serves a :class:`FakeLog` on 127.0.0.1 (a free port) in a thread."""

    def __init__(self, state: FakeLog | None = None) -> None:
        super().__init__(state or FakeLog())
