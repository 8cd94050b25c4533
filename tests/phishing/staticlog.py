"""A loopback static-ct-api log for tests: real HTTP, a signed checkpoint, real tiles.

The tiles are built at request time from the entries (the same x509 and precert
entries as the RFC 6962 fake, ``ctlog.make_entry``), with the tree of
``published`` entries. It can misbehave on request: a bad checkpoint signature, a
forked history, a truncated tile, a data tile that does not match its level-0
tile, HTML or 404 answers, partial tiles already replaced by full ones (404), and
gzip-compressed data tiles.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from brokerguard.audit.merkle import leaf_hash, root_of
from brokerguard.phishing.ct.note import RFC6962_SIGNATURE_TYPE, key_id
from brokerguard.phishing.ct.static import TILE_WIDTH, TileLeaf, encode_tile_leaf, tile_path
from brokerguard.phishing.ct.tls import (
    PRECERT_ENTRY,
    encode_digitally_signed,
    parse_leaf,
    precert_from_extra_data,
    tree_head_input,
)
from brokerguard.phishing.ct.verify import log_id
from tests.phishing.ctlog import make_entry
from tests.phishing.loopback import LoopbackServer, Reply

ORIGIN = "static.loopback.example/2026h2"
#: the fingerprint of the (single) issuer each entry names
ISSUER_FINGERPRINT = hashlib.sha256(b"Loopback Test CA").digest()


def tile_leaf(leaf_input: bytes, extra_data: bytes) -> TileLeaf:
    """An RFC 6962 entry as a data-tile entry."""
    precert = parse_leaf(leaf_input).entry_type == PRECERT_ENTRY
    pre_certificate = precert_from_extra_data(extra_data) if precert else b""
    return TileLeaf(leaf_input, pre_certificate, (ISSUER_FINGERPRINT,))


def _levels(leaf_hashes: list[bytes]) -> list[list[bytes]]:
    """Level 0 holds the leaf hashes; level l + 1 the root of each full tile of level l."""
    levels = [leaf_hashes]
    while len(levels[-1]) >= TILE_WIDTH:
        below = levels[-1]
        levels.append(
            [root_of(below[i : i + TILE_WIDTH]) for i in range(0, len(below) - 255, TILE_WIDTH)]
        )
    return levels


@dataclass
class StaticLog:
    """The log's state; the HTTP handler reads it on every request."""

    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    origin: str = ORIGIN
    entries: list[tuple[bytes, bytes]] = field(default_factory=list)
    bad_signature: bool = False
    #: a forked history: the checkpoint and tiles describe these entries instead
    fork: list[tuple[bytes, bytes]] | None = None
    answer: str = "ok"  # "ok" | "html" | "404"
    truncate: str = ""  # a tile path served one byte short
    #: the data tile at this index serves another timestamp for its first entry
    tamper_tile: int | None = None
    #: the checkpoint signs only this many entries (a checkpoint lagging behind the tiles)
    checkpoint_size: int | None = None
    partial_gone: bool = False  # partial tiles that a full tile replaced answer 404
    gzip: bool = False
    #: extra signature lines (other keys, witnesses) the client must ignore
    other_signatures: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def public_pem(self) -> bytes:
        return self.key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def add(self, names: list[str], *, precert: bool = False) -> int:
        self.entries.append(make_entry(names, precert=precert, serial=len(self.entries) + 1))
        return len(self.entries) - 1

    def _tree(self) -> list[tuple[bytes, bytes]]:
        return self.fork if self.fork is not None else self.entries

    def checkpoint(self) -> bytes:
        tree = self._tree()[: self.checkpoint_size]
        root = root_of([leaf_hash(leaf) for leaf, _ in tree])
        timestamp = 1_760_000_000_000 + len(tree)
        signed = self.key.sign(
            tree_head_input(0, timestamp, len(tree), root), ec.ECDSA(hashes.SHA256())
        )
        if self.bad_signature:
            signed = signed[:-1] + bytes([signed[-1] ^ 1])
        body = timestamp.to_bytes(8, "big") + encode_digitally_signed("ecdsa", signed)
        ident = key_id(self.origin, RFC6962_SIGNATURE_TYPE, log_id(self.key.public_key()))
        signature = ident.to_bytes(4, "big") + body
        lines = [f"\u2014 {self.origin} {base64.b64encode(signature).decode('ascii')}"]
        text = f"{self.origin}\n{len(tree)}\n{base64.b64encode(root).decode('ascii')}\n\n"
        return (text + "\n".join([*self.other_signatures, *lines]) + "\n").encode("utf-8")

    def tiles(self) -> dict[str, bytes]:
        """Every tile of the current tree and of the checkpoint's, by path."""
        tiles = self._tiles(self._tree())
        if self.checkpoint_size is not None:
            tiles.update(self._tiles(self._tree()[: self.checkpoint_size]))
        if self.partial_gone:
            tiles = {
                path: tile
                for path, tile in tiles.items()
                if ".p/" not in path or path.split(".p/")[0] not in tiles
            }
        return tiles

    def _tiles(self, tree: list[tuple[bytes, bytes]]) -> dict[str, bytes]:
        served: dict[str, bytes] = {}
        levels = _levels([leaf_hash(leaf) for leaf, _ in tree])
        for level, level_hashes in enumerate(levels):
            for start in range(0, len(level_hashes), TILE_WIDTH):
                chunk = level_hashes[start : start + TILE_WIDTH]
                served[tile_path(level, start // TILE_WIDTH, len(chunk))] = b"".join(chunk)
        for start in range(0, len(tree), TILE_WIDTH):
            leaves = [tile_leaf(leaf, extra) for leaf, extra in tree[start : start + TILE_WIDTH]]
            if start // TILE_WIDTH == self.tamper_tile:
                first = leaves[0].leaf_input
                leaves[0] = TileLeaf(
                    first[:5] + bytes([first[5] ^ 1]) + first[6:],
                    leaves[0].pre_certificate,
                    leaves[0].chain,
                )
            data = b"".join(encode_tile_leaf(leaf) for leaf in leaves)
            served[tile_path("data", start // TILE_WIDTH, len(leaves))] = data
        return served

    def respond(self, path: str, query: dict[str, list[str]]) -> Reply:
        """The HTTP reply to a GET of ``path`` under the monitoring prefix."""
        self.requests.append(path)
        if self.answer == "html":
            return Reply(200, "text/html", b"<html><body>maintenance</body></html>")
        if self.answer == "404":
            return Reply(404, "text/plain", b"not found")
        if path == "checkpoint":
            return Reply(200, "text/plain; charset=utf-8", self.checkpoint())
        tile = self.tiles().get(path)
        if tile is None:
            return Reply(404, "text/plain", b"not found")
        if path == self.truncate:
            tile = tile[:-1]
        if self.gzip and path.startswith("tile/data/"):
            return Reply(200, "application/octet-stream", gzip.compress(tile),
                         {"Content-Encoding": "gzip"})  # fmt: skip
        return Reply(200, "application/octet-stream", tile)


class LoopbackStaticLog(LoopbackServer[StaticLog]):
    """Serves a :class:`StaticLog` on 127.0.0.1 (a free port) in a thread."""

    def __init__(self, state: StaticLog | None = None) -> None:
        super().__init__(state or StaticLog())
