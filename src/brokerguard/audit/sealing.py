"""Sealing: the open (unsealed) events become signed tree heads.

The log is one RFC 6962 tree over every event in ``seq`` order. Sealing appends the
open events to the previous head's frontier and signs a head for each month of
``recorded_at`` (a batch never straddles two months, so a purge can drop whole
months and keep every head). A head signs ``tree_size``, ``root``, ``sealed_at``,
``first_seq`` and the hash of the previous head, so heads form a chain.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Connection, Table, select
from sqlalchemy.orm import Session

from brokerguard.audit.canonical import canonical_dumps, format_time
from brokerguard.audit.ingest import _lock_state
from brokerguard.audit.merkle import Frontier
from brokerguard.audit.models import AuditEventRow, AuditTreeHead
from brokerguard.audit.rawsql import stream
from brokerguard.audit.signing import HeadSigner, HeadVerifier
from brokerguard.clock import Clock, as_utc

GENESIS = "0" * 64
FLUSH = 4096
"""Leaves sealing holds before appending them to the frontier (memory stays bounded)."""
_events = cast(Table, AuditEventRow.__table__)
_heads = cast(Table, AuditTreeHead.__table__)


@dataclass(frozen=True)
class TreeHead:
    tree_size: int
    first_seq: int
    root: str
    frontier: tuple[str, ...]
    sealed_at: datetime
    period: str
    prev_head_hash: str
    head_hash: str
    key_id: str
    signature: str

    def payload(self) -> bytes:
        return head_payload(
            tree_size=self.tree_size,
            first_seq=self.first_seq,
            root=self.root,
            sealed_at=self.sealed_at,
            period=self.period,
            prev_head_hash=self.prev_head_hash,
            key_id=self.key_id,
        )

    def frontier_state(self) -> Frontier:
        return Frontier(self.tree_size, [bytes.fromhex(n) for n in self.frontier])

    def to_dict(self) -> dict[str, Any]:
        return {
            "tree_size": self.tree_size,
            "first_seq": self.first_seq,
            "root": self.root,
            "sealed_at": format_time(self.sealed_at),
            "period": self.period,
            "prev_head_hash": self.prev_head_hash,
            "head_hash": self.head_hash,
            "key_id": self.key_id,
            "signature": self.signature,
        }


def head_payload(
    *,
    tree_size: int,
    first_seq: int,
    root: str,
    sealed_at: datetime,
    period: str,
    prev_head_hash: str,
    key_id: str,
) -> bytes:
    return canonical_dumps(
        {
            "v": 1,
            "tree_size": tree_size,
            "first_seq": first_seq,
            "root": root,
            "sealed_at": format_time(sealed_at),
            "period": period,
            "prev_head_hash": prev_head_hash,
            "key_id": key_id,
        }
    ).encode("utf-8")


def _head_from_row(row: Any) -> TreeHead:
    try:
        frontier = tuple(str(item) for item in json.loads(row.frontier))
    except (ValueError, TypeError):
        frontier = ()
    return TreeHead(
        tree_size=int(row.tree_size),
        first_seq=int(row.first_seq),
        root=row.root,
        frontier=frontier,
        sealed_at=as_utc(row.sealed_at),
        period=row.period,
        prev_head_hash=row.prev_head_hash,
        head_hash=row.head_hash,
        key_id=row.key_id,
        signature=row.signature,
    )


def latest_head(conn: Connection | Session) -> TreeHead | None:
    row = conn.execute(select(_heads).order_by(_heads.c.tree_size.desc()).limit(1)).first()
    return _head_from_row(row) if row is not None else None


def heads(conn: Connection | Session) -> list[TreeHead]:
    return [_head_from_row(r) for r in conn.execute(select(_heads).order_by(_heads.c.tree_size))]


def head_at_size(conn: Connection | Session, size: int) -> TreeHead | None:
    row = conn.execute(select(_heads).where(_heads.c.tree_size == size)).first()
    return _head_from_row(row) if row is not None else None


def seal(session: Session, clock: Clock, signer: HeadSigner) -> list[TreeHead]:
    """Seal every open event; returns the new heads (none when nothing is open)."""
    conn = session.connection()
    next_seq, _ = _lock_state(conn)
    previous = latest_head(conn)
    size = previous.tree_size if previous else 0
    if next_seq <= size:
        return []
    frontier = previous.frontier_state() if previous else Frontier()
    prev_hash = previous.head_hash if previous else GENESIS
    sealed_at = as_utc(clock.now())
    created: list[TreeHead] = []
    batch_start = size
    batch_period: str | None = None
    rows = stream(
        conn,
        "SELECT seq, recorded_at, leaf_hash FROM audit_events "
        "WHERE seq >= :lo AND seq < :hi ORDER BY seq",
        {"lo": size, "hi": next_seq},
    )
    last_raw: object = None
    leaves: list[bytes] = []  # read but not yet in the frontier (at most FLUSH)
    expected = size
    for seq, recorded_at, leaf in rows:
        if recorded_at != last_raw:  # one recorded_at per ingested batch: look at it once
            last_raw, period = recorded_at, format_time(recorded_at)[:7]
            if batch_period is not None and period != batch_period:
                frontier.extend(leaves)
                leaves.clear()
                head = _sign(frontier, batch_start, batch_period, sealed_at, prev_hash, signer)
                created.append(head)
                prev_hash, batch_start = head.head_hash, frontier.size
            batch_period = period
        if seq != expected:
            break  # a gap: seal what is contiguous, verify will name the gap
        expected += 1
        leaves.append(bytes.fromhex(leaf))
        if len(leaves) == FLUSH:
            frontier.extend(leaves)
            leaves.clear()
    frontier.extend(leaves)
    if batch_period is not None and frontier.size > batch_start:
        created.append(_sign(frontier, batch_start, batch_period, sealed_at, prev_hash, signer))
    if created:
        conn.execute(
            _heads.insert(),
            [
                {
                    "tree_size": h.tree_size,
                    "first_seq": h.first_seq,
                    "root": h.root,
                    "frontier": json.dumps(list(h.frontier)),
                    "sealed_at": h.sealed_at,
                    "period": h.period,
                    "prev_head_hash": h.prev_head_hash,
                    "head_hash": h.head_hash,
                    "key_id": h.key_id,
                    "signature": h.signature,
                }
                for h in created
            ],
        )
    return created


def _sign(
    frontier: Frontier,
    first_seq: int,
    period: str,
    sealed_at: datetime,
    prev_hash: str,
    signer: HeadSigner,
) -> TreeHead:
    key_id = signer.verifier.key_id
    root = frontier.root().hex()
    payload = head_payload(
        tree_size=frontier.size,
        first_seq=first_seq,
        root=root,
        sealed_at=sealed_at,
        period=period,
        prev_head_hash=prev_hash,
        key_id=key_id,
    )
    return TreeHead(
        tree_size=frontier.size,
        first_seq=first_seq,
        root=root,
        frontier=tuple(n.hex() for n in frontier.nodes),
        sealed_at=sealed_at,
        period=period,
        prev_head_hash=prev_hash,
        head_hash=hashlib.sha256(payload).hexdigest(),
        key_id=key_id,
        signature=signer.sign(payload).hex(),
    )


def check_head_signature(head: TreeHead, verifier: HeadVerifier) -> bool:
    if head.key_id != verifier.key_id:
        return False
    try:
        signature = bytes.fromhex(head.signature)
    except ValueError:
        return False
    payload = head.payload()
    return hashlib.sha256(payload).hexdigest() == head.head_hash and verifier.verify(
        signature, payload
    )


def witness_path(data_dir: Path) -> Path:
    return data_dir / "audit" / "latest-head.json"


def write_witness(data_dir: Path, head: TreeHead) -> None:
    """Keep the newest head outside the database: truncating the log then shows.

    Durable: the new file is fsynced before it replaces the old one, and the folder is
    fsynced after, so a crash leaves the old witness or the new one, never neither."""
    path = witness_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        handle.write(json.dumps(head.to_dict(), indent=2))
        handle.flush()
        os.fsync(handle.fileno())
    tmp.replace(path)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def read_witness(data_dir: Path) -> dict[str, Any] | None:
    path = witness_path(data_dir)
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"tree_size": -1, "head_hash": "unreadable"}
    return data if isinstance(data, dict) else {"tree_size": -1, "head_hash": "unreadable"}
