"""The static-ct-api read path of one log (c2sp.org/static-ct-api, c2sp.org/tlog-tiles).

A static log serves, under its monitoring prefix:

- ``checkpoint``: the signed tree head as a signed note (:mod:`.note`), signed with
  the log's RFC 6962 key (``RFC6962NoteSignature``, type 0x05);
- ``tile/<L>/<N>[.p/<W>]``: Merkle tree tiles, 256 hashes of height ``8 L`` each,
  the rightmost ones partial (``W`` hashes); level 0 holds the leaf hashes;
- ``tile/data/<N>[.p/<W>]``: the entries of level-0 tile ``N`` as ``TileLeaf``
  structures (the RFC 6962 ``TimestampedEntry``, the pre-certificate of a precert
  entry, the SHA-256 fingerprints of the issuer chain).

Nothing a tile says is trusted by itself: subtree hashes read from tiles (see
:class:`TileHashes`) feed the RFC 6962 consistency proofs of
:mod:`brokerguard.audit.merkle`, which must rebuild the signed roots; each data
tile's leaf hashes must equal its level-0 tile. A missing partial tile is read
from the full tile that replaced it, as the spec asks. Tiles are never fetched
beyond the size of a checkpoint whose signature verified.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx

from brokerguard.audit.merkle import (
    Frontier,
    ProofError,
    consistency_proof,
    leaf_hash,
    node_hash,
)
from brokerguard.phishing.ct.note import (
    NoteFormatError,
    RFC6962NoteVerifier,
    open_checkpoint,
    parse_checkpoint,
    parse_note,
)
from brokerguard.phishing.ct.source import LogUnavailableError, RawEntry
from brokerguard.phishing.ct.tls import PRECERT_ENTRY, X509_ENTRY, CTFormatError, TLSReader
from brokerguard.phishing.ct.verify import LogKey, LogVerificationError, TreeHead

TILE_WIDTH = 256
HASH_SIZE = 32
#: levels 0-5 (the spec's bound: trees up to 2**48 entries)
MAX_LEVEL = 5
MAX_CHECKPOINT_BYTES = 128 * 1024
MAX_DATA_TILE_BYTES = 64 * 1024 * 1024
_FINGERPRINT = 32


def tile_index_path(index: int) -> str:
    """``index`` as 3-digit path elements, all but the last prefixed ``x`` (1234067 ->
    ``x001/x234/067``)."""
    if index < 0:
        raise ValueError(f"tile index {index} is negative")
    groups = [f"{index % 1000:03d}"]
    index //= 1000
    while index:
        groups.append(f"x{index % 1000:03d}")
        index //= 1000
    return "/".join(reversed(groups))


def tile_path(level: int | str, index: int, width: int = TILE_WIDTH) -> str:
    """``tile/<L>/<N>`` for a full tile, ``tile/<L>/<N>.p/<W>`` for a partial one."""
    if not 0 < width <= TILE_WIDTH:
        raise ValueError(f"tile width {width} is not 1-256")
    suffix = "" if width == TILE_WIDTH else f".p/{width}"
    return f"tile/{level}/{tile_index_path(index)}{suffix}"


def tile_width(tree_size: int, level: int, index: int) -> int:
    """How many hashes tile ``index`` of ``level`` holds in the tree of ``tree_size``."""
    level_size = tree_size >> (8 * level)
    full = level_size // TILE_WIDTH
    if index < full:
        return TILE_WIDTH
    if index == full and level_size % TILE_WIDTH:
        return level_size % TILE_WIDTH
    raise LogUnavailableError(
        f"tile {level}/{index} does not exist in a tree of {tree_size} entries"
    )


@dataclass(frozen=True)
class TileLeaf:
    """One entry of a data tile."""

    #: the RFC 6962 ``MerkleTreeLeaf`` (version 0, timestamped entry): what the tree hashes
    leaf_input: bytes
    #: the pre-certificate DER of a precert entry (b"" for an x509 entry)
    pre_certificate: bytes
    #: SHA-256 of each issuer in the submitted chain
    chain: tuple[bytes, ...]

    def raw_entry(self) -> RawEntry:
        """As an RFC 6962 entry; ``extra_data`` starts with the pre-certificate, as there."""
        extra = b""
        if self.pre_certificate:
            extra = len(self.pre_certificate).to_bytes(3, "big") + self.pre_certificate
        return RawEntry(self.leaf_input, extra)


def parse_data_tile(data: bytes, count: int, what: str) -> list[TileLeaf]:
    """Exactly ``count`` ``TileLeaf`` structures; anything short, long or malformed raises."""
    reader = TLSReader(data, what)
    leaves = []
    for _ in range(count):
        start = reader.pos
        reader.take(8, "timestamp")
        entry_type = reader.uint(2, "entry_type")
        if entry_type == X509_ENTRY:
            reader.opaque(3, "asn1_cert")
        elif entry_type == PRECERT_ENTRY:
            reader.take(32, "issuer_key_hash")
            reader.opaque(3, "tbs_certificate")
        else:
            raise CTFormatError(f"{what}: unknown entry type {entry_type}", field="entry_type")
        reader.opaque(2, "extensions")
        timestamped_entry = data[start : reader.pos]
        pre_certificate = reader.opaque(3, "pre_certificate") if entry_type else b""
        chain = reader.opaque(2, "certificate_chain")
        if len(chain) % _FINGERPRINT:
            raise CTFormatError(
                f"{what}: certificate chain of {len(chain)} bytes is not whole fingerprints",
                field="certificate_chain",
            )
        fingerprints = tuple(
            chain[i : i + _FINGERPRINT] for i in range(0, len(chain), _FINGERPRINT)
        )
        leaves.append(TileLeaf(b"\x00\x00" + timestamped_entry, pre_certificate, fingerprints))
    reader.done()
    return leaves


def encode_tile_leaf(leaf: TileLeaf) -> bytes:
    """The data-tile encoding of ``leaf`` (the inverse of :func:`parse_data_tile`)."""
    if leaf.leaf_input[:2] != b"\x00\x00":
        raise ValueError("leaf_input is not a v1 timestamped-entry MerkleTreeLeaf")
    body = leaf.leaf_input[2:]
    if leaf.pre_certificate:
        body += len(leaf.pre_certificate).to_bytes(3, "big") + leaf.pre_certificate
    chain = b"".join(leaf.chain)
    return body + len(chain).to_bytes(2, "big") + chain


class TileHashes:
    """Subtree hashes of the tree of ``tree_size`` entries, read from hash tiles.

    ``mth(lo, hi)`` is the :data:`brokerguard.audit.merkle.SubtreeHash` oracle the
    RFC 6962 proof code takes: a perfect, aligned subtree of height ``h`` is
    hashed up from the ``2 ** (h % 8)`` hashes of tile level ``h // 8`` under it;
    any other range is split as RFC 6962 splits it. Tiles are fetched once.
    """

    def __init__(self, tree_size: int, fetch: Callable[[int, int, int], bytes]) -> None:
        self.tree_size = tree_size
        self._fetch = fetch
        self._tiles: dict[tuple[int, int], list[bytes]] = {}

    def tile(self, level: int, index: int) -> list[bytes]:
        key = (level, index)
        if key not in self._tiles:
            width = tile_width(self.tree_size, level, index)
            raw = self._fetch(level, index, width)
            if len(raw) != width * HASH_SIZE:
                raise LogUnavailableError(
                    f"{tile_path(level, index, width)}: {len(raw)} bytes, not {width} hashes"
                )
            self._tiles[key] = [raw[i : i + HASH_SIZE] for i in range(0, len(raw), HASH_SIZE)]
        return self._tiles[key]

    def node(self, height: int, index: int) -> bytes:
        """The root of the perfect subtree of ``2 ** height`` leaves from ``index << height``."""
        level, rest = divmod(height, 8)
        if level > MAX_LEVEL:
            raise LogUnavailableError(f"subtree of height {height} is beyond tile level 5")
        first = index << rest
        tile = self.tile(level, first // TILE_WIDTH)
        offset = first % TILE_WIDTH
        hashes = tile[offset : offset + (1 << rest)]
        if len(hashes) != 1 << rest:
            raise LogUnavailableError(f"subtree {height}/{index} is not in a verified tile")
        while len(hashes) > 1:
            hashes = [node_hash(hashes[i], hashes[i + 1]) for i in range(0, len(hashes), 2)]
        return hashes[0]

    def mth(self, lo: int, hi: int) -> bytes:
        size = hi - lo
        if size <= 0 or hi > self.tree_size:
            raise LogUnavailableError(f"no subtree [{lo}, {hi}) in a tree of {self.tree_size}")
        if size & (size - 1) == 0 and lo % size == 0:
            return self.node(size.bit_length() - 1, lo // size)
        split = 1 << ((size - 1).bit_length() - 1)
        return node_hash(self.mth(lo, lo + split), self.mth(lo + split, hi))


class _NotFoundError(LogUnavailableError):
    """HTTP 404: for a partial tile, the full tile that replaced it is read instead."""


class StaticCTClient:
    """One static-ct-api log under its monitoring prefix ``base_url``.

    ``origin`` is the checkpoint origin (the submission prefix without scheme);
    empty, it is learnt from the first checkpoint, whose signature must then be
    the log key's under that name.
    """

    api = "static"

    def __init__(self, base_url: str, http: httpx.Client, origin: str = "") -> None:
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.http = http
        self.origin = origin
        self._hashes: TileHashes | None = None

    def _get(self, path: str, limit: int) -> bytes:
        url = self.base_url + path
        try:
            headers = {"Accept-Encoding": "gzip, identity"}
            with self.http.stream("GET", url, headers=headers) as response:
                if response.status_code == 404:
                    raise _NotFoundError(f"{path}: HTTP 404")
                if response.status_code != 200:
                    raise LogUnavailableError(f"{path}: HTTP {response.status_code}")
                if "html" in response.headers.get("content-type", "").lower():
                    raise LogUnavailableError(f"{path}: the log answered an HTML page")
                body = bytearray()
                for chunk in response.iter_bytes():
                    body.extend(chunk)
                    if len(body) > limit:
                        raise LogUnavailableError(f"{path}: answer larger than {limit} bytes")
        except httpx.HTTPError as exc:
            raise LogUnavailableError(f"{path}: {type(exc).__name__}: {str(exc)[:120]}") from None
        return bytes(body)

    def _tile(self, level: int | str, index: int, width: int, limit: int) -> tuple[bytes, int]:
        """A tile and its width; a partial tile gone (404) is read from the full tile that
        replaced it, as the spec asks."""
        try:
            return self._get(tile_path(level, index, width), limit), width
        except _NotFoundError:
            if width == TILE_WIDTH:
                raise
        return self._get(tile_path(level, index), limit), TILE_WIDTH

    def _hash_tile(self, level: int, index: int, width: int) -> bytes:
        data, fetched = self._tile(level, index, width, TILE_WIDTH * HASH_SIZE)
        if fetched != width and len(data) == TILE_WIDTH * HASH_SIZE:
            return data[: width * HASH_SIZE]  # the full tile that replaced the partial one
        return data

    def hashes(self, head: TreeHead) -> TileHashes:
        """The tile hashes of ``head``'s tree (kept while the head is the same size)."""
        if self._hashes is None or self._hashes.tree_size != head.tree_size:
            self._hashes = TileHashes(head.tree_size, self._hash_tile)
        return self._hashes

    # --- the LogSource operations ---------------------------------------------------

    def signed_head(self, key: LogKey, log_id: bytes) -> TreeHead:
        data = self._get("checkpoint", MAX_CHECKPOINT_BYTES)
        try:
            origin = self.origin or parse_checkpoint(parse_note(data).text).origin
            _, head = open_checkpoint(data, RFC6962NoteVerifier(origin, key, log_id))
        except (NoteFormatError, UnicodeDecodeError) as exc:
            raise LogUnavailableError(f"checkpoint: {exc}") from None
        self.origin = origin
        return head

    def consistency(self, first: int, head: TreeHead) -> list[bytes]:
        try:
            return consistency_proof(first, head.tree_size, self.hashes(head).mth)
        except ProofError as exc:
            raise LogVerificationError(f"consistency {first} -> {head.tree_size}: {exc}") from None

    def frontier(self, size: int, head: TreeHead) -> Frontier:
        """One perfect-subtree root per set bit of ``size``, largest first, from tiles."""
        hashes = self.hashes(head)
        nodes, lo = [], 0
        for height in range(size.bit_length() - 1, -1, -1):
            if size >> height & 1:
                nodes.append(hashes.node(height, lo >> height))
                lo += 1 << height
        return Frontier(size, nodes)

    def entries(self, start: int, end: int, head: TreeHead) -> Iterator[list[RawEntry]]:
        """Entries ``[start, end)`` a data tile at a time, each checked against its level-0
        tile."""
        hashes = self.hashes(head)
        for index in range(start // TILE_WIDTH, (end - 1) // TILE_WIDTH + 1):
            width = tile_width(head.tree_size, 0, index)
            path = tile_path("data", index, width)
            data, fetched = self._tile("data", index, width, MAX_DATA_TILE_BYTES)
            expected = hashes.tile(0, index)
            try:
                leaves = parse_data_tile(data, fetched, path)[:width]
            except CTFormatError as exc:
                raise LogUnavailableError(exc.message) from None
            first = index * TILE_WIDTH
            page = []
            for offset, leaf in enumerate(leaves):
                if leaf_hash(leaf.leaf_input) != expected[offset]:
                    raise LogVerificationError(
                        f"{path}: entry {first + offset} does not hash to its level-0 tile"
                    )
                if start <= first + offset < end:
                    page.append(leaf.raw_entry())
            yield page
