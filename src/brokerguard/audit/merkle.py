"""RFC 6962 / RFC 9162 Merkle trees: hashing, proofs and their verification.

Leaves are hashed ``SHA-256(0x00 || data)``, inner nodes ``SHA-256(0x01 || left || right)``.
The tree of ``n`` leaves splits at the largest power of two smaller than ``n``.

Verification follows RFC 9162 section 2.1.3.2 and 2.1.4.2 (the same decomposition as
the transparency-dev/merkle reference code, including its subtree proofs); proof
generation follows RFC 6962 section 2.1.1 and 2.1.2. Every function raises
:class:`ProofError` instead of returning a wrong answer; sizes are unsigned 64-bit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

HASH_SIZE = 32
UINT64_MAX = (1 << 64) - 1
EMPTY_ROOT = hashlib.sha256(b"").digest()
_LEAF = b"\x00"
_NODE = b"\x01"


class ProofError(ValueError):
    """A proof, size or hash that does not verify."""


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(_LEAF + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(_NODE + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def root_of(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH of a list of leaf hashes, iteratively (no recursion depth limit)."""
    if not leaf_hashes:
        return EMPTY_ROOT
    frontier = Frontier()
    frontier.extend(leaf_hashes)
    return frontier.root()


class Frontier:
    """The compact right edge of a growing tree: one perfect-subtree root per set bit of size.

    Appending is O(log n) and the root is computable at any size, so a sealer only
    needs the previous tree head's frontier, never the old leaves.
    """

    def __init__(self, size: int = 0, nodes: Sequence[bytes] = ()) -> None:
        if size < 0 or len(nodes) != bin(size).count("1"):
            raise ProofError(f"frontier of size {size} needs {bin(size).count('1')} nodes")
        self.size = size
        self.nodes: list[bytes] = list(nodes)  # largest (leftmost) subtree first

    def append(self, item: bytes) -> None:
        self.extend((item,))

    def extend(self, items: Iterable[bytes]) -> None:
        """Append leaf hashes in order (the hot path of sealing and verify: one loop,
        :func:`node_hash` inlined)."""
        nodes = self.nodes
        pop, push, sha256 = nodes.pop, nodes.append, hashlib.sha256
        size = self.size
        for node in items:
            carry = size
            while carry & 1:
                node = sha256(_NODE + pop() + node).digest()
                carry >>= 1
            push(node)
            size += 1
        self.size = size

    def root(self) -> bytes:
        if not self.nodes:
            return EMPTY_ROOT
        result = self.nodes[-1]
        for node in reversed(self.nodes[:-1]):
            result = node_hash(node, result)
        return result

    def copy(self) -> Frontier:
        return Frontier(self.size, self.nodes)


def _check_sizes(*values: int) -> None:
    for value in values:
        if value < 0 or value > UINT64_MAX:
            raise ProofError(f"size or index {value} is not an unsigned 64-bit integer")


def _check_hash(value: bytes, what: str) -> None:
    if len(value) != HASH_SIZE:
        raise ProofError(f"{what} has {len(value)} bytes, want {HASH_SIZE}")


def _trailing_zeros(value: int) -> int:
    if value == 0:
        return 64
    return (value & -value).bit_length() - 1


def _decomp_inclusion(index: int, size: int) -> tuple[int, int]:
    inner = (index ^ (size - 1)).bit_length()
    border = bin(index >> inner).count("1")
    return inner, border


def _chain_inner(seed: bytes, proof: Sequence[bytes], index: int) -> bytes:
    for i, item in enumerate(proof):
        seed = node_hash(seed, item) if (index >> i) & 1 == 0 else node_hash(item, seed)
    return seed


def _chain_inner_right(seed: bytes, proof: Sequence[bytes], index: int) -> bytes:
    for i, item in enumerate(proof):
        if (index >> i) & 1 == 1:
            seed = node_hash(item, seed)
    return seed


def _chain_border_right(seed: bytes, proof: Sequence[bytes]) -> bytes:
    for item in proof:
        seed = node_hash(item, seed)
    return seed


def _match(calculated: bytes, expected: bytes) -> None:
    if calculated != expected:
        raise ProofError(f"calculated root {calculated.hex()} does not match {expected.hex()}")


def root_from_inclusion_proof(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    _check_sizes(index, size)
    if index >= size:
        raise ProofError(f"index {index} is beyond size {size}")
    _check_hash(leaf, "leaf hash")
    inner, border = _decomp_inclusion(index, size)
    if len(proof) != inner + border:
        raise ProofError(f"wrong proof size {len(proof)}, want {inner + border}")
    result = _chain_inner(leaf, proof[:inner], index)
    return _chain_border_right(result, proof[inner:])


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Raise :class:`ProofError` unless ``leaf`` is at ``index`` in the tree ``(size, root)``."""
    _match(root_from_inclusion_proof(index, size, leaf, proof), root)


def _subtree_valid(start: int, end: int) -> None:
    _check_sizes(start, end)
    if start > end:
        raise ProofError(f"subtree start {start} is after end {end}")
    if start == 0 or start == end:
        return
    length = end - start
    if length > 1 << 63:
        raise ProofError(f"subtree of length {length} must start at 0")
    ceiling = 1 << (length - 1).bit_length()
    if start & (ceiling - 1):
        raise ProofError(f"subtree start {start} is not a multiple of {ceiling}")


def verify_subtree_inclusion(
    index: int, start: int, end: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    _subtree_valid(start, end)
    if index < start or index >= end:
        raise ProofError(f"index {index} is outside the subtree [{start}, {end})")
    _match(root_from_inclusion_proof(index - start, end - start, leaf, proof), root)


def _decomp_subtree(
    start: int, end: int, size: int, border: int, proof: Sequence[bytes]
) -> tuple[Sequence[bytes], Sequence[bytes]]:
    height = ((end - 1) ^ start).bit_length()
    fork = ((end - 1) ^ (size - 1)).bit_length()
    shift = _trailing_zeros(end - start)
    sub_inner = min(height, fork) - shift
    inner = fork - shift
    sub_border = max(0, border - bin((end - 1) >> height).count("1"))
    return proof[0:sub_inner], proof[inner : inner + sub_border]


def _root_from_subtree_consistency(
    start: int, end: int, size: int, proof: Sequence[bytes], sub_root: bytes
) -> bytes:
    if end == size:
        level = ((end - 1) ^ start).bit_length()
        want = bin(start >> level).count("1")
        if len(proof) != want:
            raise ProofError(f"wrong proof size {len(proof)}, want {want}")
        return _chain_border_right(sub_root, proof)
    fork, border = _decomp_inclusion(end - 1, size)
    shift = _trailing_zeros(end - start)
    inner = fork - shift
    seed, first = (proof[0], 1) if proof else (b"", 1)
    if end - start == 1 << shift:
        seed, first = sub_root, 0
    if len(proof) != first + inner + border:
        raise ProofError(f"wrong proof size {len(proof)}, want {first + inner + border}")
    rest = proof[first:]
    mask = (end - 1) >> shift
    if first == 1:
        sub_inner, sub_border = _decomp_subtree(start, end, size, border, rest)
        calculated = _chain_border_right(_chain_inner_right(seed, sub_inner, mask), sub_border)
        _match(calculated, sub_root)
    return _chain_border_right(_chain_inner(seed, rest[:inner], mask), rest[inner:])


def root_from_consistency_proof(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes
) -> bytes:
    _check_sizes(size1, size2)
    if size2 < size1:
        raise ProofError(f"size2 {size2} is smaller than size1 {size1}")
    if size1 == 0:
        raise ProofError("a consistency proof from the empty tree is meaningless")
    if size1 == size2:
        if proof:
            raise ProofError("size1 equals size2 but the proof is not empty")
        return root1
    if not proof:
        raise ProofError("empty consistency proof")
    return _root_from_subtree_consistency(0, size1, size2, proof, root1)


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    """Raise :class:`ProofError` unless tree (size1, root1) is a prefix of (size2, root2)."""
    _match(root_from_consistency_proof(size1, size2, proof, root1), root2)


def verify_subtree_consistency(
    start: int, end: int, size: int, proof: Sequence[bytes], sub_root: bytes, root: bytes
) -> None:
    _check_sizes(start, end, size)
    if start == end:
        if end > size:
            raise ProofError(f"size {size} is smaller than end {end}")
        if proof:
            raise ProofError("empty subtree but the proof is not empty")
        if sub_root != EMPTY_ROOT:
            raise ProofError("empty subtree but its root is not the empty root")
        return
    _subtree_valid(start, end)
    if size < end:
        raise ProofError(f"size {size} is smaller than end {end}")
    if start == 0 and size == end:
        if proof:
            raise ProofError("subtree is the whole tree but the proof is not empty")
        _match(sub_root, root)
        return
    if not proof:
        raise ProofError("empty consistency proof")
    _match(_root_from_subtree_consistency(start, end, size, proof, sub_root), root)


# --- proof generation (RFC 6962 2.1.1, 2.1.2) over a subtree-hash oracle ---------------

SubtreeHash = Callable[[int, int], bytes]
"""``mth(lo, hi)``: the Merkle tree hash of leaves ``[lo, hi)``; the caller decides how."""


def inclusion_proof(index: int, size: int, mth: SubtreeHash) -> list[bytes]:
    """Audit path for leaf ``index`` in the tree of ``size`` leaves, lowest level first."""
    if size <= 0 or not 0 <= index < size:
        raise ProofError(f"index {index} is not in a tree of size {size}")
    path: list[bytes] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            path.append(mth(lo + k, hi))
            hi = lo + k
        else:
            path.append(mth(lo, lo + k))
            lo = lo + k
    path.reverse()
    return path


def consistency_proof(size1: int, size2: int, mth: SubtreeHash) -> list[bytes]:
    """RFC 6962 PROOF(m, D[n]) for ``0 < size1 <= size2``, lowest level first."""
    if not 0 < size1 <= size2:
        raise ProofError(f"no consistency proof from size {size1} to size {size2}")
    proof: list[bytes] = []
    lo, hi, m, complete = 0, size2, size1, True
    while True:
        n = hi - lo
        if m == n:
            if not complete:
                proof.append(mth(lo, hi))
            break
        k = _split(n)
        if m <= k:
            proof.append(mth(lo + k, hi))
            hi = lo + k
        else:
            proof.append(mth(lo, lo + k))
            lo, m, complete = lo + k, m - k, False
    proof.reverse()
    return proof


def mth_from_leaves(leaves: Sequence[bytes]) -> SubtreeHash:
    """A subtree-hash oracle over an in-memory list of leaf hashes."""

    def mth(lo: int, hi: int) -> bytes:
        return root_of(leaves[lo:hi])

    return mth
