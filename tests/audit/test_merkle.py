"""Merkle code against every transparency-dev vector, plus generated trees."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from brokerguard.audit import merkle
from tests.conftest import FIXTURES

VECTORS = FIXTURES / "merkle-vectors"


def _files(kind: str) -> list[Path]:
    return sorted((VECTORS / kind).rglob("*.json"))


def _b64(value: Any) -> bytes:
    if value is None:
        return b""
    if not isinstance(value, str):
        raise merkle.ProofError("not base64 text")
    return base64.b64decode(value, validate=True)


def _proof(value: Any) -> list[bytes]:
    if value is None:
        return []
    return [_b64(item) for item in value]


def _run(check: Callable[[], None], want_err: bool, desc: str) -> None:
    try:
        check()
    except (merkle.ProofError, binascii.Error) as error:
        assert want_err, f"{desc}: unexpected error {error}"
        return
    assert not want_err, f"{desc}: expected an error"


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


@pytest.mark.parametrize("path", _files("inclusion"), ids=lambda p: str(p.relative_to(VECTORS)))
def test_inclusion_vectors(path: Path) -> None:
    p = _load(path)
    _run(
        lambda: merkle.verify_inclusion(
            p["leafIdx"], p["treeSize"], _b64(p["leafHash"]), _proof(p["proof"]), _b64(p["root"])
        ),
        p["wantErr"],
        p["desc"],
    )


@pytest.mark.parametrize(
    "path", _files("subtreeinclusion"), ids=lambda p: str(p.relative_to(VECTORS))
)
def test_subtree_inclusion_vectors(path: Path) -> None:
    p = _load(path)
    _run(
        lambda: merkle.verify_subtree_inclusion(
            p["leafIdx"],
            p["start"],
            p["end"],
            _b64(p["leafHash"]),
            _proof(p["proof"]),
            _b64(p["root"]),
        ),
        p["wantErr"],
        p["desc"],
    )


@pytest.mark.parametrize("path", _files("consistency"), ids=lambda p: str(p.relative_to(VECTORS)))
def test_consistency_vectors(path: Path) -> None:
    p = _load(path)
    _run(
        lambda: merkle.verify_consistency(
            p["size1"], p["size2"], _proof(p["proof"]), _b64(p["root1"]), _b64(p["root2"])
        ),
        p["wantErr"],
        p["desc"],
    )


@pytest.mark.parametrize(
    "path", _files("subtreeconsistency"), ids=lambda p: str(p.relative_to(VECTORS))
)
def test_subtree_consistency_vectors(path: Path) -> None:
    p = _load(path)
    _run(
        lambda: merkle.verify_subtree_consistency(
            p["start"], p["end"], p["size"], _proof(p["proof"]), _b64(p["root1"]), _b64(p["root2"])
        ),
        p["wantErr"],
        p["desc"],
    )


def test_vector_corpus_is_complete() -> None:
    files = list(VECTORS.rglob("*.json"))
    assert len(files) > 500
    assert sum(1 for f in files if _load(f)["wantErr"]) > 100


def _leaves(n: int) -> list[bytes]:
    return [merkle.leaf_hash(str(i).encode()) for i in range(n)]


def _recursive_mth(leaves: list[bytes]) -> bytes:
    if not leaves:
        return merkle.EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return merkle.node_hash(_recursive_mth(leaves[:k]), _recursive_mth(leaves[k:]))


@pytest.mark.parametrize("size", [0, 1, 2, 3, 5, 7, 8, 9, 31, 64, 100])
def test_frontier_root_matches_recursive_definition(size: int) -> None:
    leaves = _leaves(size)
    assert merkle.root_of(leaves) == _recursive_mth(leaves)


def test_generated_proofs_verify_and_tampered_ones_do_not() -> None:
    leaves = _leaves(37)
    for size in range(1, 38):
        mth = merkle.mth_from_leaves(leaves[:size])
        root = mth(0, size)
        for index in range(size):
            proof = merkle.inclusion_proof(index, size, mth)
            merkle.verify_inclusion(index, size, leaves[index], proof, root)
            if size > 1:
                with pytest.raises(merkle.ProofError):
                    merkle.verify_inclusion(index, size, leaves[(index + 1) % size], proof, root)
        for size1 in range(1, size + 1):
            proof = merkle.consistency_proof(size1, size, mth)
            root1 = mth(0, size1)
            merkle.verify_consistency(size1, size, proof, root1, root)
            if size1 < size:
                with pytest.raises(merkle.ProofError):
                    merkle.verify_consistency(size1, size, proof, merkle.leaf_hash(b"x"), root)


def test_frontier_resumes_from_saved_nodes() -> None:
    leaves = _leaves(50)
    first = merkle.Frontier()
    for item in leaves[:21]:
        first.append(item)
    resumed = merkle.Frontier(first.size, list(first.nodes))
    for item in leaves[21:]:
        resumed.append(item)
    assert resumed.root() == _recursive_mth(leaves)


@pytest.mark.parametrize(
    ("size", "nodes"), [(-1, []), (3, [b"x" * 32]), (1, [])], ids=["negative", "short", "empty"]
)
def test_frontier_refuses_inconsistent_state(size: int, nodes: list[bytes]) -> None:
    with pytest.raises(merkle.ProofError):
        merkle.Frontier(size, nodes)


@pytest.mark.parametrize(("index", "size"), [(0, 0), (5, 5), (-1, 3)])
def test_proof_generation_refuses_bad_positions(index: int, size: int) -> None:
    with pytest.raises(merkle.ProofError):
        merkle.inclusion_proof(index, size, merkle.mth_from_leaves(_leaves(max(size, 0))))


def test_oversized_sizes_are_refused() -> None:
    with pytest.raises(merkle.ProofError):
        merkle.verify_inclusion(0, 1 << 64, merkle.EMPTY_ROOT, [], merkle.EMPTY_ROOT)
