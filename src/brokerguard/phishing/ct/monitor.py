"""One poll of the followed CT logs: verify, fetch, score, open cases, advance (A8.1).

For each log, in its own transaction:

1. the signed tree head (``get-sth``, or the static-ct-api checkpoint); its
   signature is verified with the log's key;
2. a smaller tree, or the same size with another root, is a **split view**;
3. new entries are fetched (RFC 6962: page by page, logs may return fewer than
   asked, never more; static-ct-api: data tiles checked against their level-0
   tiles), their leaf hashes extend the verified frontier, and the resulting root
   must equal the signed root, or, when only part of the growth is taken this
   poll, be proven its prefix by an RFC 6962 consistency proof
   (:func:`brokerguard.audit.merkle.verify_consistency`). Either proves the new
   tree head consistent with the last verified one; a failure is a split view
   (or entries altered in transit);
4. every name of every entry is scored (while the fetching goes on: each chunk of
   entries has its names read in a helper process, :mod:`.reader`, and its new
   names scored as they come back); once the proof of step 3 holds, a flagged
   name opens one case per domain, with the certificate's SHA-256, issuer,
   validity and log index;
5. only then does the checkpoint advance.

A verification failure leaves the checkpoint where it was, records the error on
the log and queues a critical ``ct_log_failure`` notice; the other logs go on.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain, repeat

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from brokerguard.audit.merkle import Frontier, ProofError, leaf_hash, verify_consistency
from brokerguard.clock import Clock
from brokerguard.errors import ValidationError
from brokerguard.kernel.notices import Notice, NoticeKind, NoticeSink, Severity
from brokerguard.phishing.ct.certs import CertFacts, cert_facts
from brokerguard.phishing.ct.client import RFC6962Client
from brokerguard.phishing.ct.reader import PageReader
from brokerguard.phishing.ct.source import LogSource, LogUnavailableError, RawEntry
from brokerguard.phishing.ct.static import StaticCTClient
from brokerguard.phishing.ct.tls import parse_leaf
from brokerguard.phishing.ct.verify import (
    LogKey,
    LogVerificationError,
    TreeHead,
    key_pem,
    load_log_key,
    log_id,
)
from brokerguard.phishing.models import CTLog, PhishingCase
from brokerguard.phishing.scoring import Scorer, Verdict

#: entries taken from one log in one poll (the rest waits for the next poll)
DEFAULT_MAX_ENTRIES = 50_000
#: entries read (names) and scored together: small enough that the last page's
#: reading and scoring overlap, large enough for the batched pre-filter
READ_CHUNK = 250
NAME_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,63}$"


@dataclass
class Flag:
    log: str
    index: int
    domain: str
    brand: str | None
    score: float
    kind: str | None
    cert_sha256: str

    def as_dict(self) -> dict[str, object]:
        return {
            "log": self.log,
            "index": self.index,
            "domain": self.domain,
            "brand": self.brand,
            "score": round(self.score, 3),
            "kind": self.kind,
            "cert_sha256": self.cert_sha256,
        }


@dataclass
class LogPoll:
    """What one poll of one log did."""

    log: str
    entries: int = 0
    names: int = 0  # distinct host names scored
    flags: list[Flag] = field(default_factory=list)
    entry_errors: list[dict[str, object]] = field(default_factory=list)
    error: str | None = None
    verified_size: int = 0


def frontier_of(record: CTLog) -> Frontier:
    nodes = [bytes.fromhex(h) for h in json.loads(record.frontier)]
    return Frontier(record.verified_size, nodes)


def _store_frontier(record: CTLog, frontier: Frontier) -> None:
    record.verified_size = frontier.size
    record.verified_root = frontier.root().hex()
    record.frontier = json.dumps([n.hex() for n in frontier.nodes])


def signed_head(source: LogSource, key: LogKey) -> TreeHead:
    """The source's latest tree head, its signature verified with the log's ``key``."""
    return source.signed_head(key, log_id(key))


def frontier_at(source: LogSource, size: int, head: TreeHead) -> Frontier:
    """The verified frontier of the log's tree of ``size`` leaves (``size <= head``).

    The source reads it (RFC 6962: the audit path of leaf ``size - 1``; static-ct-api:
    the subtree roots from tiles); its root must equal the signed root (when ``size``
    is the signed size) or be proven a prefix of it by a consistency proof.
    """
    if size > head.tree_size:
        raise ValidationError(
            f"start index {size} is past the log's size {head.tree_size}", field="start_index"
        )
    if size == 0:
        return Frontier()
    frontier = source.frontier(size, head)
    _prove_prefix(source, frontier, head)
    return frontier


def _prove_prefix(source: LogSource, frontier: Frontier, head: TreeHead) -> None:
    """Raise unless the tree ``frontier`` describes is the signed tree or a prefix of it."""
    root = frontier.root()
    if frontier.size == head.tree_size:
        if root != head.root:
            raise LogVerificationError(
                f"split view or altered entries: entries up to {head.tree_size} do not build "
                "the signed root"
            )
        return
    proof = source.consistency(frontier.size, head)
    try:
        verify_consistency(frontier.size, head.tree_size, proof, root, head.root)
    except ProofError as exc:
        raise LogVerificationError(
            f"split view or altered entries: tree of {frontier.size} entries is not a prefix "
            f"of the signed tree of "
            f"{head.tree_size}: {exc}"
        ) from None


def _check_growth(record: CTLog, head: TreeHead) -> None:
    """Split-view checks of a new signed tree head that need no entries.

    A larger tree is proven consistent with the verified one by :func:`_prove_prefix`
    once its new entries extend the verified frontier: the same check as an RFC
    6962 consistency proof, without asking the log for one.
    """
    size, root = record.verified_size, bytes.fromhex(record.verified_root)
    if head.tree_size < size:
        raise LogVerificationError(
            f"split view: signed tree of {head.tree_size} is smaller than the verified {size}"
        )
    if head.tree_size == size and head.root != root:
        raise LogVerificationError(f"split view: two different roots for tree size {size}")


def _evidence(log: str, index: int, facts: CertFacts) -> dict[str, object]:
    return {
        "type": "ct_entry",
        "requirement_id": "A8.1",
        "log": log,
        "index": index,
        "cert_sha256": facts.sha256,
        "precert": facts.precert,
        "issuer": facts.issuer,
        "not_before": facts.not_before.isoformat() if facts.not_before else None,
        "not_after": facts.not_after.isoformat() if facts.not_after else None,
    }


def _case_targets(session: Session, domains: set[str]) -> set[str]:
    """Which of ``domains`` already have a case (one query per 500 domains)."""
    found: set[str] = set()
    ordered = sorted(domains)
    for chunk in range(0, len(ordered), 500):
        batch = ordered[chunk : chunk + 500]
        found.update(
            session.scalars(select(PhishingCase.target).where(PhishingCase.target.in_(batch)))
        )
    return found


def _open_case(
    session: Session, clock: Clock, log: str, index: int, facts: CertFacts, verdict: Verdict
) -> None:
    """Open the domain's case with the certificate as A8.1 evidence."""
    from brokerguard.phishing import service

    case = service.open_site_case(session, clock, verdict, source="ct", actor="ct-monitor")
    case.evidence = json.dumps([_evidence(log, index, facts)], ensure_ascii=False)
    session.flush()


@dataclass
class _Read:
    """What :func:`_read_entries` found: nothing of it is trusted before the proof."""

    entries: list[RawEntry] = field(default_factory=list)
    #: each distinct name scored, with the first index naming it
    first_seen: dict[str, int] = field(default_factory=dict)
    #: the flagged names' verdicts (hosts the scorer refuses, e.g. "localhost", left out)
    flagged: list[Verdict] = field(default_factory=list)
    #: the entries whose certificate does not parse
    errors: list[dict[str, object]] = field(default_factory=list)


def _read_entries(
    client: LogSource, head: TreeHead, frontier: Frontier, start: int, end: int, scorer: Scorer
) -> _Read:
    """Fetch ``[start, end)`` page by page, extending ``frontier``, reading and scoring names.

    Nothing here is trusted until the caller has proven ``frontier`` against the
    signed head. A page's names are read by a
    :class:`~brokerguard.phishing.ct.reader.PageReader` (on another core) while the
    next page is fetched and hashed, then the names not seen on earlier pages are
    scored (the vectorised pre-filter, full scoring of the near).
    """
    read = _Read()
    reader = PageReader(end - start)
    done = start  # the first entry whose names are not taken yet

    def take_names() -> None:  # of the oldest chunk the reader holds
        nonlocal done
        names, counts, errors = reader.next()
        read.errors += ({"index": done + offset, "error": e} for offset, e in errors)
        owners = chain.from_iterable(map(repeat, range(done, done + len(counts)), counts))
        done += len(counts)
        # reversed: of the entries naming a host, the first is the one kept
        seen = dict(zip(reversed(names), reversed(list(owners)), strict=True))
        seen.pop("", None)  # dropped names (empty, over-long, spaced)
        fresh = seen.keys() - read.first_seen.keys()  # earlier pages win
        for name in fresh:
            read.first_seen[name] = seen[name]
        read.flagged += (v for v in scorer.scan(fresh) if isinstance(v, Verdict))

    for page in client.entries(start, end, head):
        leaf_inputs = [e.leaf_input for e in page]
        for chunk in range(0, len(leaf_inputs), READ_CHUNK):
            reader.submit(leaf_inputs[chunk : chunk + READ_CHUNK])
        frontier.extend(map(leaf_hash, leaf_inputs))
        read.entries += page
        # score what is read; wait only when the reader is more than a page behind
        while reader.ready() or len(reader) > len(page) // READ_CHUNK + 1:
            take_names()
    while len(reader):
        take_names()
    return read


def poll_log(
    session: Session,
    clock: Clock,
    record: CTLog,
    client: LogSource,
    scorer: Scorer,
    notices: NoticeSink,
    *,
    max_entries: int = DEFAULT_MAX_ENTRIES,
) -> LogPoll:
    """Poll one log (see the module's docstring). The caller commits ``session``."""
    result = LogPoll(record.name, verified_size=record.verified_size)
    now = clock.now()
    record.last_poll_at = now
    head: TreeHead | None = None
    try:
        key, _ = load_log_key(record.public_key.encode("ascii"))
        head = signed_head(client, key)
        record.origin = client.origin  # a static log's origin, learnt once when imported
        if not record.verified_root:  # imported from a log list: start at its current size
            _store_frontier(record, frontier_at(client, head.tree_size, head))
            record.last_error = ""
            result.verified_size = record.verified_size
            return result
        _check_growth(record, head)
        frontier = frontier_of(record)
        start = record.verified_size
        end = min(head.tree_size, start + max_entries)
        read = _read_entries(client, head, frontier, start, end, scorer)
        _prove_prefix(client, frontier, head)
    except LogVerificationError as exc:
        result.error = exc.message
        record.last_error = exc.message[:2000]
        notices.notify(_failure_notice(record, exc.message, head, now))
        return result
    except (LogUnavailableError, ValidationError) as exc:
        result.error = exc.message
        record.last_error = exc.message[:2000]
        return result
    entries, first_seen, flagged = read.entries, read.first_seen, read.flagged
    result.entry_errors = [{"log": record.name, **error} for error in read.errors]
    result.names = len(first_seen)
    flagged.sort(key=lambda v: (first_seen[v.input], v.input))
    known = _case_targets(session, {v.domain for v in flagged})
    for verdict in flagged:
        if verdict.domain in known:  # one case per domain, whatever its status
            continue
        known.add(verdict.domain)
        index = first_seen[verdict.input]
        # flagged entries are rare: their evidence is read here, not for every entry
        facts = cert_facts(parse_leaf(entries[index - start].leaf_input))
        _open_case(session, clock, record.name, index, facts, verdict)
        result.flags.append(
            Flag(
                record.name,
                index,
                verdict.domain,
                verdict.brand,
                verdict.score,
                verdict.kind,
                facts.sha256,
            )
        )
    result.entries = len(entries)
    record.entries_scanned += len(entries)
    record.last_error = ""
    _store_frontier(record, frontier)
    result.verified_size = record.verified_size
    return result


def _failure_notice(record: CTLog, message: str, head: TreeHead | None, at: datetime) -> Notice:
    marker = f"{head.tree_size}:{head.root.hex()[:16]}" if head is not None else "sth"
    return Notice(
        kind=NoticeKind.ct_log_failure,
        severity=Severity.critical,
        title_zh=f"憑證透明度日誌 {record.name} 驗證失敗",
        title_en=f"Certificate Transparency log {record.name} failed verification",
        summary=message,
        occurred_at=at,
        dedupe_key=f"ct-failure:{record.name}:{marker}"[:255],
        url="/phishing",
        requirement_ids=("A8.1",),
        details={"log": record.name, "verified_size": record.verified_size},
    )


def add_log(
    session: Session,
    clock: Clock,
    *,
    name: str,
    url: str,
    public_key_pem: bytes,
    client: LogSource,
    start_index: int | None = None,
) -> CTLog:
    """Follow a log from ``start_index`` (default: its current size), verified from there.

    ``client`` reads the log with its API (:class:`RFC6962Client` or
    :class:`StaticCTClient`); a static log's checkpoint origin is stored with it.
    """
    if not re.match(NAME_PATTERN, name):
        raise ValidationError(
            "log name: 1-64 lower-case letters, digits, '.', '_' or '-'", field="name"
        )
    if not url.startswith(("https://", "http://")) or len(url) > 512:
        raise ValidationError("url must be an http(s) URL of at most 512 characters", field="url")
    if start_index is not None and start_index < 0:
        raise ValidationError("start index must be 0 or more", field="start_index")
    if session.scalar(select(CTLog.id).where(CTLog.name == name)) is not None:
        raise ValidationError(f"a log named {name!r} is already followed", field="name")
    key, log_id = load_log_key(public_key_pem)
    head = signed_head(client, key)
    size = head.tree_size if start_index is None else start_index
    frontier = frontier_at(client, size, head)
    record = CTLog(
        name=name,
        url=url,
        api=client.api,
        origin=client.origin,
        public_key=key_pem(key),
        log_id=log_id,
        verified_root="",
        entries_scanned=0,
        last_error="",
        created_at=clock.now(),
    )
    _store_frontier(record, frontier)
    session.add(record)
    session.flush()
    return record


def followed_logs(session: Session) -> list[CTLog]:
    return list(session.scalars(select(CTLog).order_by(CTLog.name)))


def poll_all(
    unit_of_work: Callable[[], AbstractContextManager[Session]],
    clock: Clock,
    scorer: Scorer,
    http: httpx.Client,
    *,
    max_entries: int = DEFAULT_MAX_ENTRIES,
) -> list[LogPoll]:
    """Poll every followed log, each in its own unit of work (one failing log stops none)."""
    from brokerguard.notify.outbox import notice_sink

    with unit_of_work() as session:
        names = [r.name for r in followed_logs(session)]
    results = []
    for name in names:
        with unit_of_work() as session:
            record = session.scalar(select(CTLog).where(CTLog.name == name))
            if record is None:
                continue
            source = source_for(record, http)
            sink = notice_sink(session, clock)
            results.append(
                poll_log(session, clock, record, source, scorer, sink, max_entries=max_entries)
            )
    return results


def source_for(record: CTLog, http: httpx.Client) -> LogSource:
    """The reader of a followed log's API."""
    if record.api == "static":
        return StaticCTClient(record.url, http, origin=record.origin)
    return RFC6962Client(record.url, http)


def http_client(timeout_s: float = 20.0) -> httpx.Client:
    """The HTTP client for CT logs: no redirects followed, bounded time."""
    return httpx.Client(timeout=timeout_s, follow_redirects=False)
