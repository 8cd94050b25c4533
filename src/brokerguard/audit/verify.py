"""Full verification of the log: every record re-hashed, every head's signature and chain.

Reading is streamed in ``seq`` order (memory does not grow with the log). The report
names the first bad sequence number and what went wrong:

- ``changed``: a record's content no longer matches its hash or its signed tree;
- ``reordered``: a record sits at another position than the one it was written at;
- ``inserted``: a record that was never ingested, or a second record at one position;
- ``deleted``: a position is missing (or a purge that was never audited);
- ``truncated``: the log ends before its newest signed head (or the witness file);
- ``bad_head``: a tree head whose signature, hash, chain or frontier does not verify;
- ``purged_early``: a purged range younger than the retention floor (A9.9: five years)
  when its purge record was signed, or whose purge record is not under a signed head.

Purged months are skipped when their purge is recorded in ``audit_purges`` *and*
audited in the log itself; verification resumes from the signed head at the end of
the purged range, whose frontier lets the rest of the tree be recomputed. Neither row
needs a key, so the purge record must also sit under a signed tree head sealed at or
after the end of the purged months plus the floor: the signer's time, not the row's.

The records after the newest signed head (the unsealed tail) are reported with the
time of the oldest one: until sealed, an insider could change them unnoticed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, select

from brokerguard.audit.canonical import format_time, record_json
from brokerguard.audit.merkle import Frontier, leaf_hash
from brokerguard.audit.models import AuditEventId, AuditEventRow, AuditPurge
from brokerguard.audit.periods import retention_cutoff
from brokerguard.audit.rawsql import stream_chunks
from brokerguard.audit.sealing import GENESIS, TreeHead, check_head_signature, heads
from brokerguard.audit.settings import RETENTION_FLOOR_YEARS
from brokerguard.audit.signing import HeadVerifier
from brokerguard.clock import as_utc

PURGE_FUNCTION = "brokerguard.audit.purge"
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
    unsealed_since: datetime | None = None
    unsealed_age_s: int | None = None
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
            "unsealed_since": format_time(self.unsealed_since) if self.unsealed_since else None,
            "unsealed_age_s": self.unsealed_age_s,
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


def _leaves(rows: list[tuple[Any, ...]]) -> list[bytes]:
    """The leaf hash of each stored row."""
    times = {raw: format_time(raw) for raw in {row[1] for row in rows}}  # one per ingest
    return [
        leaf_hash(
            record_json(row[0], times[row[1]], row[2], format_time(row[3]), *row[4:16]).encode()
        )
        for row in rows
    ]


@dataclass
class _Walk:
    """Re-hashing the rows in ``seq`` order: the frontier, the next head to check, what
    was seen. ``stop``: verification ends once ``expected`` reaches it (``--to``)."""

    conn: Connection
    report: VerifyReport
    by_size: dict[int, TreeHead]
    head_sizes: list[int]
    purged: dict[int, int]
    frontier: Frontier
    expected: int
    stop: int | None = None
    next_head: int = 0
    checked: int = 0
    purge_events: dict[tuple[int, int], int] = field(default_factory=dict)
    """(first_seq, end_seq) of each audited purge -> the purge record's own seq."""

    def chunk(self, rows: list[tuple[Any, ...]]) -> bool:
        """Verify one fetched chunk; False when verification stops.

        The usual chunk (consecutive positions, every hash matching, no stop inside) is
        checked as a whole; any other goes row by row, which names what is wrong.
        """
        first, count = self.expected, len(rows)
        if (self.stop is None or first + count < self.stop) and [r[0] for r in rows] == list(
            range(first, first + count)
        ):
            leaves = _leaves(rows)
            if [leaf.hex() for leaf in leaves] == [r[16] for r in rows]:
                return self._append(rows, leaves)
        return all(self._row(row) for row in rows)

    def _append(self, rows: list[tuple[Any, ...]], leaves: list[bytes]) -> bool:
        """Append verified leaves, checking every head they complete."""
        first, done, sizes = self.expected, 0, self.head_sizes
        while self.next_head < len(sizes) and sizes[self.next_head] <= first + len(leaves):
            size = sizes[self.next_head]
            self.frontier.extend(leaves[done : size - first])
            done = size - first
            if not self._head_matches(size):
                self._seen(rows[:done])
                return False
            self.next_head += 1
        self.frontier.extend(leaves[done:])
        self._seen(rows)
        return True

    def _seen(self, rows: list[tuple[Any, ...]]) -> None:
        for row in rows:
            if row[5] == PURGE_FUNCTION:
                self.purge_events.setdefault(_purge_range(row[15]), int(row[0]))
        self.checked += len(rows)
        self.expected += len(rows)

    def _row(self, row: tuple[Any, ...]) -> bool:
        seq = int(row[0])
        if seq != self.expected and not self._resume_at(seq):
            return False
        [leaf] = _leaves([row])
        if leaf.hex() != row[16]:
            problem = _classify(self.conn, seq, row[2])
            self.report.fail(seq, problem, f"record {seq} was {problem}: its hash does not match")
            return False
        self._seen([row])
        self.frontier.append(leaf)
        sizes = self.head_sizes
        if self.next_head < len(sizes) and self.expected == sizes[self.next_head]:
            if not self._head_matches(self.expected):
                return False
            self.next_head += 1
        return self.stop is None or self.expected < self.stop

    def _resume_at(self, seq: int) -> bool:
        """A row out of step: resume after an audited purge, or report the gap or extra row."""
        target = self.expected
        while seq > target and target in self.purged:
            target = self.purged[target]
        if target != self.expected and target == seq:
            resume = self.by_size.get(seq)
            if resume is not None:
                self.frontier = resume.frontier_state()
                while (
                    self.next_head < len(self.head_sizes) and self.head_sizes[self.next_head] <= seq
                ):
                    self.next_head += 1
                self.expected = seq
        if seq < self.expected:
            self.report.fail(seq, "inserted", f"a second record at sequence number {seq}")
            return False
        if seq > self.expected:
            self.report.fail(
                self.expected, "deleted", f"sequence number {self.expected} is missing"
            )
            return False
        return True

    def _head_matches(self, size: int) -> bool:
        head = self.by_size[size]
        if self.frontier.root().hex() == head.root:
            return True
        self.report.fail(
            head.first_seq,
            "changed",
            f"records [{head.first_seq}, {head.tree_size}) do not give the signed root",
        )
        return False


def verify_log(
    conn: Connection,
    verifier: HeadVerifier,
    *,
    from_seq: int | None = None,
    to_seq: int | None = None,
    witness: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> VerifyReport:
    """Verify records ``[from_seq, to_seq)`` (default: all) and every tree head.

    ``now`` (the caller's clock) gives the age of the unsealed tail."""
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
    start = 0
    if from_seq is not None:
        start = max((s for s in by_size if s <= from_seq), default=0)
    head_sizes = sorted(s for s in by_size if s > start)
    frontier = by_size[start].frontier_state() if start else Frontier()
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
    walk = _Walk(conn, report, by_size, head_sizes, purged, frontier, start)
    walk.stop = None if to_seq is None else max(sealed, to_seq)
    for rows in stream_chunks(conn, sql, params):
        if not walk.chunk(rows):
            break
    report.events_checked = walk.checked
    if report.ok and walk.expected < sealed:
        report.fail(
            walk.expected, "truncated", f"the log ends at {walk.expected}, its head says {sealed}"
        )
    if to_seq is None:
        for first, end in sorted(purged.items()):
            if first < start:
                continue
            record = walk.purge_events.get((first, end))
            if record is None:
                report.fail(
                    first, "deleted", f"records [{first}, {end}) gone without an audited purge"
                )
            else:
                _check_purge_age(all_heads, first, end, record, report)
    report.unsealed_events = max(0, walk.expected - report.sealed_size)
    _unsealed_tail(conn, report, now)
    return report


def _check_purge_age(
    all_heads: list[TreeHead], first: int, end: int, record: int, report: VerifyReport
) -> None:
    """The purge of ``[first, end)`` is signed after the floor of its youngest month."""
    months = [h.period for h in all_heads if h.first_seq < end and h.tree_size > first]
    sealing = next((h for h in all_heads if h.first_seq <= record < h.tree_size), None)
    if not months or record < end or sealing is None:
        report.fail(
            first,
            "purged_early",
            f"records [{first}, {end}) were purged but the purge record ({record}) is not "
            "under a signed tree head sealed after them",
        )
        return
    youngest = max(months)
    floor = retention_cutoff(youngest, RETENTION_FLOOR_YEARS)
    if as_utc(sealing.sealed_at) < floor:
        report.fail(
            first,
            "purged_early",
            f"records [{first}, {end}) of {youngest} were purged before the "
            f"{RETENTION_FLOOR_YEARS}-year retention floor ({format_time(floor)}): their purge "
            f"was signed at {format_time(as_utc(sealing.sealed_at))}",
        )


def _unsealed_tail(conn: Connection, report: VerifyReport, now: datetime | None) -> None:
    """Time of the oldest record after the newest signed head, and its age at ``now``."""
    if report.unsealed_events == 0:
        return
    since = conn.execute(
        select(_events.c.recorded_at)
        .where(_events.c.seq >= report.sealed_size)
        .order_by(_events.c.seq)
        .limit(1)
    ).scalar()
    if since is None:
        return
    report.unsealed_since = as_utc(since)
    if now is not None:
        report.unsealed_age_s = max(0, int((as_utc(now) - report.unsealed_since).total_seconds()))


def _purge_range(attributes: str) -> tuple[int, int]:
    try:
        data = json.loads(attributes)
        return int(data["first_seq"]), int(data["end_seq"])
    except (ValueError, KeyError, TypeError):
        return (-1, -1)
