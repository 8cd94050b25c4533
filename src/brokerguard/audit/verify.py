"""Full verification of the log: every record re-hashed, every head's signature and chain.

Reading is streamed in ``seq`` order (memory does not grow with the log). The report
names the first bad sequence number and what went wrong:

- ``changed``: a record's content no longer matches its hash or its signed tree;
- ``reordered``: a record sits at another position than the one it was written at;
- ``inserted``: a record that was never ingested, or a second record at one position;
- ``deleted``: a position is missing (or a purge that was never audited);
- ``truncated``: the log ends before its newest signed head (or the witness file);
- ``bad_head``: a tree head whose signature, hash, chain or frontier does not verify.

Purged months are skipped when their purge is recorded in ``audit_purges`` *and*
audited in the log itself; verification resumes from the signed head at the end of
the purged range, whose frontier lets the rest of the tree be recomputed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Connection, Table, select

from brokerguard.audit.canonical import format_time, record_json
from brokerguard.audit.merkle import Frontier, leaf_hash
from brokerguard.audit.models import AuditEventId, AuditEventRow, AuditPurge
from brokerguard.audit.rawsql import stream
from brokerguard.audit.sealing import GENESIS, TreeHead, check_head_signature, heads
from brokerguard.audit.signing import HeadVerifier

PURGE_FUNCTION = "brokerguard.audit.purge"
FLUSH = 4096
"""Leaves verify holds before appending them to the frontier (memory stays bounded)."""
_events = cast(Table, AuditEventRow.__table__)
_ids = cast(Table, AuditEventId.__table__)
_purges = cast(Table, AuditPurge.__table__)


@dataclass
class VerifyReport:
    ok: bool = True
    events_checked: int = 0
    heads_checked: int = 0
    sealed_size: int = 0
    unsealed_events: int = 0
    first_bad_seq: int | None = None
    problem: str | None = None
    message: str = "every record and tree head verifies"

    def fail(self, seq: int, problem: str, message: str) -> None:
        if self.first_bad_seq is None or seq < self.first_bad_seq:
            self.ok = False
            self.first_bad_seq = seq
            self.problem = problem
            self.message = message

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events_checked": self.events_checked,
            "heads_checked": self.heads_checked,
            "sealed_size": self.sealed_size,
            "unsealed_events": self.unsealed_events,
            "first_bad_seq": self.first_bad_seq,
            "problem": self.problem,
            "message": self.message,
        }


def _check_heads(all_heads: list[TreeHead], verifier: HeadVerifier, report: VerifyReport) -> None:
    previous_hash, previous_size = GENESIS, 0
    for head in all_heads:
        report.heads_checked += 1
        problem = None
        if head.prev_head_hash != previous_hash:
            problem = "its previous-head hash breaks the chain"
        elif head.first_seq != previous_size or head.tree_size <= head.first_seq:
            problem = f"it covers [{head.first_seq}, {head.tree_size}) after size {previous_size}"
        elif not check_head_signature(head, verifier):
            problem = "its signature or hash does not verify"
        else:
            try:
                if head.frontier_state().root().hex() != head.root:
                    problem = "its frontier does not give its root"
            except ValueError:
                problem = "its frontier is malformed"
        if problem is not None:
            # records from the last good head on are no longer vouched for
            first_bad = min(previous_size, head.first_seq)
            report.fail(first_bad, "bad_head", f"tree head of size {head.tree_size}: {problem}")
            return
        previous_hash, previous_size = head.head_hash, head.tree_size


def _classify(conn: Connection, seq: int, event_id: str) -> str:
    written_at = conn.execute(select(_ids.c.seq).where(_ids.c.event_id == event_id)).scalar()
    if written_at is None:
        return "inserted"
    return "changed" if int(written_at) == seq else "reordered"


def verify_log(
    conn: Connection,
    verifier: HeadVerifier,
    *,
    from_seq: int | None = None,
    to_seq: int | None = None,
    witness: dict[str, Any] | None = None,
) -> VerifyReport:
    """Verify records ``[from_seq, to_seq)`` (default: all) and every tree head."""
    report = VerifyReport()
    all_heads = heads(conn)
    by_size = {h.tree_size: h for h in all_heads}
    _check_heads(all_heads, verifier, report)
    sealed = all_heads[-1].tree_size if all_heads else 0
    report.sealed_size = sealed
    if witness is not None:
        size = witness.get("tree_size")
        mine = by_size.get(size) if isinstance(size, int) else None
        if not isinstance(size, int) or size > sealed:
            report.fail(sealed, "truncated", f"the witness file names a head of size {size}")
        elif mine is None or mine.head_hash != witness.get("head_hash"):
            report.fail(min(size, sealed), "bad_head", f"head of size {size} differs from witness")
    purged = {
        int(r.first_seq): int(r.end_seq)
        for r in conn.execute(select(_purges.c.first_seq, _purges.c.end_seq))
    }
    purge_events: set[tuple[int, int]] = set()
    start = 0
    if from_seq is not None:
        start = max((s for s in by_size if s <= from_seq), default=0)
    head_sizes = sorted(s for s in by_size if s > start)
    frontier = by_size[start].frontier_state() if start else Frontier()
    next_head = 0
    expected = start
    columns = (
        "seq, recorded_at, event_id, time, account, function, system, query, result_digest, "
        "actor, customer_ids, source_ip, user_agent, outcome, correlation_id, attributes, "
        "leaf_hash"
    )
    where = "seq >= :start"
    params: dict[str, int] = {"start": start}
    if to_seq is not None:
        limit = min((s for s in head_sizes if s >= to_seq), default=None)
        if limit is not None:
            where += " AND seq < :limit"
            params["limit"] = limit
            head_sizes = [s for s in head_sizes if s <= limit]
            sealed = limit
    sql = f"SELECT {columns} FROM audit_events WHERE {where} ORDER BY seq"  # noqa: S608
    rows = stream(conn, sql, params)
    last_raw: object = None
    recorded = ""
    checked = 0
    pending: list[bytes] = []  # leaves not yet in the frontier (bounded by FLUSH)
    flush_at = _flush_point(expected, head_sizes, next_head)
    for row in rows:
        seq = int(row[0])
        if seq != expected:
            target = expected
            while seq > target and target in purged:
                target = purged[target]
            if target != expected and target == seq:
                resume = by_size.get(seq)
                if resume is not None:
                    frontier, pending = resume.frontier_state(), []
                    while next_head < len(head_sizes) and head_sizes[next_head] <= seq:
                        next_head += 1
                    expected = seq
                    flush_at = _flush_point(expected, head_sizes, next_head)
            if seq < expected:
                report.fail(seq, "inserted", f"a second record at sequence number {seq}")
                break
            if seq > expected:
                report.fail(expected, "deleted", f"sequence number {expected} is missing")
                break
        if row[1] != last_raw:
            last_raw, recorded = row[1], format_time(row[1])
        canonical = record_json(seq, recorded, row[2], format_time(row[3]), *row[4:16])
        leaf = leaf_hash(canonical.encode("utf-8"))
        if leaf.hex() != row[16]:
            problem = _classify(conn, seq, row[2])
            report.fail(seq, problem, f"record {seq} was {problem}: its hash does not match")
            break
        if row[5] == PURGE_FUNCTION:
            purge_events.add(_purge_range(row[15]))
        checked += 1
        pending.append(leaf)
        expected += 1
        if expected == flush_at:
            frontier.extend(pending)
            pending.clear()
            if next_head < len(head_sizes) and expected == head_sizes[next_head]:
                head = by_size[head_sizes[next_head]]
                if frontier.root().hex() != head.root:
                    report.fail(
                        head.first_seq,
                        "changed",
                        f"records [{head.first_seq}, {head.tree_size}) do not give the signed root",
                    )
                    break
                next_head += 1
            flush_at = _flush_point(expected, head_sizes, next_head)
        if to_seq is not None and expected >= sealed and expected >= to_seq:
            break
    report.events_checked = checked
    if report.ok and expected < sealed:
        report.fail(expected, "truncated", f"the log ends at {expected}, its head says {sealed}")
    for first, end in sorted(purged.items()):
        if first >= start and (first, end) not in purge_events and to_seq is None:
            report.fail(first, "deleted", f"records [{first}, {end}) gone without an audited purge")
    report.unsealed_events = max(0, expected - report.sealed_size)
    return report


def _flush_point(expected: int, head_sizes: list[int], next_head: int) -> int:
    """Where verify next appends its pending leaves to the frontier: at the next head's
    size (to check its root) or after FLUSH leaves, whichever comes first."""
    if next_head < len(head_sizes):
        return min(head_sizes[next_head], expected + FLUSH)
    return expected + FLUSH


def _purge_range(attributes: str) -> tuple[int, int]:
    try:
        data = json.loads(attributes)
        return int(data["first_seq"]), int(data["end_seq"])
    except (ValueError, KeyError, TypeError):
        return (-1, -1)
