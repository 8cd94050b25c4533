"""Inclusion and consistency proofs served from the database.

Subtree hashes come from the stored leaf hashes, or, for purged ranges, from the
frontiers of the signed tree heads (every perfect subtree a head's frontier holds).
"""

from __future__ import annotations

import base64
from typing import Any, cast

from sqlalchemy import Connection, Table, select

from brokerguard.audit import merkle
from brokerguard.audit.models import AuditEventRow
from brokerguard.audit.sealing import TreeHead, head_at_size, heads, latest_head
from brokerguard.errors import NotFoundError, ValidationError

_events = cast(Table, AuditEventRow.__table__)


def b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


class DatabaseSubtrees:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.known: dict[tuple[int, int], bytes] = {}
        for head in heads(conn):
            lo = 0
            for node in head.frontier:
                width = 1 << ((head.tree_size - lo).bit_length() - 1)
                self.known[(lo, lo + width)] = bytes.fromhex(node)
                lo += width

    def __call__(self, lo: int, hi: int) -> bytes:
        cached = self.known.get((lo, hi))
        if cached is not None:
            return cached
        frontier = merkle.Frontier()
        rows = self.conn.execute(
            select(_events.c.seq, _events.c.leaf_hash)
            .where(_events.c.seq >= lo, _events.c.seq < hi)
            .order_by(_events.c.seq)
            .execution_options(yield_per=50000)
        )
        for seq, leaf in rows:
            if seq != lo + frontier.size:
                raise NotFoundError(f"record {lo + frontier.size} is not stored", field="seq")
            frontier.append(bytes.fromhex(leaf))
        if frontier.size != hi - lo:
            raise NotFoundError(f"records [{lo}, {hi}) are not all stored", field="seq")
        return frontier.root()


def _head(conn: Connection, tree_size: int | None) -> TreeHead:
    head = latest_head(conn) if tree_size is None else head_at_size(conn, tree_size)
    if head is None:
        what = "no tree head yet: seal first" if tree_size is None else f"no head of {tree_size}"
        raise NotFoundError(what, field="tree_size")
    return head


def inclusion(conn: Connection, seq: int, tree_size: int | None = None) -> dict[str, Any]:
    """Proof that record ``seq`` is in the signed tree of ``tree_size`` (default newest)."""
    if seq < 0:
        raise ValidationError("seq must be 0 or more", field="seq")
    head = _head(conn, tree_size)
    if seq >= head.tree_size:
        raise ValidationError(
            f"record {seq} is not in the tree of size {head.tree_size}", field="seq"
        )
    leaf = conn.execute(select(_events.c.leaf_hash).where(_events.c.seq == seq)).scalar()
    if leaf is None:
        raise NotFoundError(f"record {seq} is not stored (purged?)", field="seq")
    mth = DatabaseSubtrees(conn)
    path = merkle.inclusion_proof(seq, head.tree_size, mth)
    merkle.verify_inclusion(
        seq, head.tree_size, bytes.fromhex(leaf), path, bytes.fromhex(head.root)
    )
    return {
        "seq": seq,
        "leaf_hash": b64(bytes.fromhex(leaf)),
        "tree_size": head.tree_size,
        "root": b64(bytes.fromhex(head.root)),
        "proof": [b64(p) for p in path],
        "tree_head": head.to_dict(),
    }


def consistency(conn: Connection, size1: int, size2: int | None = None) -> dict[str, Any]:
    """Proof that the signed tree of ``size1`` is a prefix of the one of ``size2``."""
    first = _head(conn, size1)
    second = _head(conn, size2)
    if first.tree_size > second.tree_size:
        raise ValidationError("size1 must not exceed size2", field="size1")
    path = (
        []
        if first.tree_size == second.tree_size
        else merkle.consistency_proof(first.tree_size, second.tree_size, DatabaseSubtrees(conn))
    )
    merkle.verify_consistency(
        first.tree_size,
        second.tree_size,
        path,
        bytes.fromhex(first.root),
        bytes.fromhex(second.root),
    )
    return {
        "size1": first.tree_size,
        "size2": second.tree_size,
        "root1": b64(bytes.fromhex(first.root)),
        "root2": b64(bytes.fromhex(second.root)),
        "proof": [b64(p) for p in path],
        "tree_heads": [first.to_dict(), second.to_dict()],
    }
