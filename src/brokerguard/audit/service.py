"""The audit trail's operations, for the CLI, the API, the sink and other domains.

Every function takes its collaborators (session or session factory, clock, settings);
none keeps state. ``seal_log`` and ``record_internal`` run inside the caller's
transaction; ``seal_and_commit`` opens and commits its own and then updates the
witness file (``<data_dir>/audit/latest-head.json``).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session, sessionmaker

from brokerguard.audit import ingest as _ingest
from brokerguard.audit import proofs
from brokerguard.audit.canonical import attributes_json
from brokerguard.audit.ingest import IngestResult, PreparedEvent, Rejection
from brokerguard.audit.models import AuditEventRow as Event
from brokerguard.audit.sealing import (
    TreeHead,
    read_witness,
    seal,
    write_witness,
)
from brokerguard.audit.settings import AuditSettings
from brokerguard.audit.signing import HeadSigner, HeadVerifier
from brokerguard.audit.verify import VerifyReport, verify_log
from brokerguard.clock import Clock, as_utc
from brokerguard.config import Settings, get_settings
from brokerguard.db.engine import database_errors, session_scope
from brokerguard.errors import ServiceUnavailableError, ValidationError
from brokerguard.kernel.audit import AuditEvent

log = logging.getLogger(__name__)
SYSTEM_NAME = "brokerguard"


def audit_settings() -> AuditSettings:
    return get_settings().audit


def ingest_lines(
    session: Session,
    clock: Clock,
    lines: Iterable[str],
    settings: AuditSettings | None = None,
) -> IngestResult:
    """Parse and append JSON lines in the session's transaction (one batch)."""
    settings = settings or audit_settings()
    with _ingest.gc_paused():
        return _parse_and_append(session, clock, lines, settings)


def _parse_and_append(
    session: Session, clock: Clock, lines: Iterable[str], settings: AuditSettings
) -> IngestResult:
    """One batch of lines, in a frame of its own: the parsed events are freed on return,
    before the garbage collector resumes, so it need not scan them."""
    good, bad = _ingest.parse_jsonl(lines, settings, clock.now())
    return _ingest.ingest(session, good, bad, clock, settings)


MAX_LISTED_REJECTIONS = 1000


def ingest_file(
    factory: sessionmaker[Session],
    clock: Clock,
    lines: Iterable[str],
    settings: AuditSettings | None = None,
) -> IngestResult:
    """A JSON-lines stream of any length, in bounded memory.

    ``partial`` policy: one transaction per ``max_batch_events`` lines (an interrupted
    run keeps whole batches, and re-running the file stores only what is missing);
    ``atomic``: one transaction for the whole file, nothing stored if a line is bad.
    Line numbers in the rejections count from 0 over the whole file.
    """
    settings = settings or audit_settings()
    total = IngestResult()
    size = settings.max_batch_events
    atomic = settings.batch_policy == "atomic"

    def merge(part: IngestResult, offset: int) -> None:
        total.accepted += part.accepted
        if total.first_seq is None:
            total.first_seq = part.first_seq
        for rejection in part.rejected:
            if len(total.rejected) < MAX_LISTED_REJECTIONS:
                total.rejected.append(
                    Rejection(
                        rejection.index + offset,
                        rejection.event_id,
                        rejection.field,
                        rejection.reason,
                    )
                )
            else:
                total.more_rejected += 1

    if atomic:
        with session_scope(factory) as session:
            result = ingest_lines(session, clock, lines, settings)
        merge(result, 0)
        return total
    chunk: list[str] = []
    offset = 0
    for line in lines:
        chunk.append(line)
        if len(chunk) >= size:
            with session_scope(factory) as session:
                merge(ingest_lines(session, clock, chunk, settings), offset)
            offset += len(chunk)
            chunk = []
    if chunk:
        with session_scope(factory) as session:
            merge(ingest_lines(session, clock, chunk, settings), offset)
    return total


def ingest_batch(
    session: Session,
    clock: Clock,
    items: Sequence[object],
    *,
    system: str | None = None,
    settings: AuditSettings | None = None,
    writer: str | None = None,
    backfill: bool = False,
) -> IngestResult:
    """A batch from another system; with ``system`` every event must name that system.

    With ``writer`` (the API key), each event records it (attribute ``ingested_by``,
    set by the server over any value sent), and events older than the backfill window
    are refused unless ``backfill`` is set, when they are marked ``backfill``.
    """
    settings = settings or audit_settings()
    _ingest.refuse_empty(items)
    with _ingest.gc_paused():
        return _ingest_batch(session, clock, items, system, settings, writer, backfill)


def _ingest_batch(
    session: Session,
    clock: Clock,
    items: Sequence[object],
    system: str | None,
    settings: AuditSettings,
    writer: str | None = None,
    backfill: bool = False,
) -> IngestResult:
    good, bad = _ingest.parse_batch(items, settings, clock.now())
    if writer is not None:
        oldest = clock.now() - timedelta(hours=settings.backfill_window_h)
        good, late = _with_provenance(good, writer, oldest, backfill)
        bad.extend(late)
    if system is not None:
        kept = []
        for index, event in good:
            if event.system != system:
                bad.append(
                    Rejection(
                        index,
                        event.event_id,
                        "system",
                        f"this API key may only write events of system {system!r}",
                    )
                )
            else:
                kept.append((index, event))
        good = kept
    return _ingest.ingest(session, good, bad, clock, settings)


def _with_provenance(
    good: list[tuple[int, PreparedEvent]], writer: str, oldest: datetime, backfill: bool
) -> tuple[list[tuple[int, PreparedEvent]], list[Rejection]]:
    """Stamp each event with its writer (and ``backfill`` when older than ``oldest``);
    refuse the old ones of a batch not sent as a backfill."""
    kept: list[tuple[int, PreparedEvent]] = []
    refused: list[Rejection] = []
    for index, event in good:
        old = datetime.fromisoformat(event.time.replace("Z", "+00:00")) < oldest
        if old and not backfill:
            refused.append(
                Rejection(
                    index,
                    event.event_id,
                    "time",
                    "older than the backfill window: send the batch with backfill=true",
                )
            )
            continue
        attributes = json.loads(event.columns[-1])
        attributes["ingested_by"] = writer
        if old:
            attributes["backfill"] = 1
        columns = (*event.columns[:-1], attributes_json(attributes))
        kept.append((index, PreparedEvent(event.event_id, event.time, columns)))
    return kept, refused


def append(
    session: Session,
    clock: Clock,
    events: Sequence[AuditEvent],
    settings: AuditSettings | None = None,
    *,
    trust_time: bool = False,
) -> IngestResult:
    """Append already-validated events (the sink and in-process producers).

    ``trust_time`` skips the far-future check: an in-process producer's clock (which
    tests may move) is authoritative for its own events.
    """
    settings = settings or audit_settings()
    now = None if trust_time else clock.now()
    good: list[tuple[int, PreparedEvent]] = []
    bad: list[Rejection] = []
    for index, event in enumerate(events):
        checked = check(event, settings, index=index, now=now)
        if isinstance(checked, Rejection):
            bad.append(checked)
        else:
            good.append((index, checked))
    return _ingest.ingest(session, good, bad, clock, settings)


def check(
    event: AuditEvent, settings: AuditSettings, *, index: int = 0, now: datetime | None = None
) -> PreparedEvent | Rejection:
    """The rules beyond the schema (no far-future check when ``now`` is None), then the
    event made ready to store."""
    checked = _ingest.check_event(event, index, settings, now)
    return checked if isinstance(checked, Rejection) else _ingest.prepare(checked, settings)


def append_prepared(
    session: Session, clock: Clock, events: Sequence[PreparedEvent], settings: AuditSettings
) -> IngestResult:
    """Append events :func:`check` has already passed (the transactional sink)."""
    return _ingest.ingest(session, list(enumerate(events)), [], clock, settings)


def record_internal(
    session: Session,
    clock: Clock,
    *,
    account: str,
    function: str,
    query: str,
    customer_ids: Sequence[str] = (),
    attributes: Mapping[str, str | int] | None = None,
    outcome: str = "success",
    source_ip: str | None = None,
    user_agent: str | None = None,
) -> AuditEvent:
    """brokerguard's own audited actions (searches, exports, purges), in the caller's tx.

    A database that refuses the append is a :class:`ServiceUnavailableError` (503 on
    the web, fail closed): never the driver's raw error (a 500 and a dropped connection).
    """
    event = AuditEvent(
        event_id=uuid.uuid4(),
        time=clock.now(),
        account=account or "system",
        function=function,
        system=SYSTEM_NAME,
        query=query[:16384],
        customer_ids=tuple(customer_ids),
        outcome="success" if outcome == "success" else "failure",
        source_ip=source_ip,
        user_agent=user_agent,
        attributes=dict(attributes or {}),
    )
    try:
        result = append(session, clock, [event])
    except database_errors(session) as error:
        log.error("audit event %s not written: %s", function, type(error).__name__)
        raise ServiceUnavailableError("the audit trail cannot be written") from None
    if result.rejected:
        raise ValidationError(result.rejected[0].reason, field=result.rejected[0].field)
    return event


def signer(settings: Settings) -> HeadSigner:
    return HeadSigner.load(settings.data_dir)


def seal_log(session: Session, clock: Clock, settings: Settings) -> list[TreeHead]:
    return seal(session, clock, signer(settings))


def seal_pending(session: Session, clock: Clock, settings: Settings) -> list[TreeHead]:
    """Seal in ``session``'s transaction; call :func:`publish_witness` after its commit."""
    with _ingest.gc_paused():
        return seal_log(session, clock, settings)


def publish_witness(settings: Settings, created: Sequence[TreeHead]) -> None:
    """Write the newest committed tree head to the witness file."""
    if created:
        write_witness(settings.data_dir, created[-1])


def seal_and_commit(
    factory: sessionmaker[Session], clock: Clock, settings: Settings
) -> list[TreeHead]:
    with session_scope(factory) as session:
        created = seal_pending(session, clock, settings)
    publish_witness(settings, created)
    return created


def verify(
    session: Session,
    settings: Settings,
    *,
    from_seq: int | None = None,
    to_seq: int | None = None,
    verifier: HeadVerifier | None = None,
    use_witness: bool = True,
    now: datetime | None = None,
) -> VerifyReport:
    if from_seq is not None and from_seq < 0:
        raise ValidationError("--from must be 0 or more", field="from")
    if to_seq is not None and (to_seq < 0 or (from_seq is not None and to_seq < from_seq)):
        raise ValidationError("--to must be 0 or more and not before --from", field="to")
    verifier = verifier or signer(settings).verifier
    witness = read_witness(settings.data_dir) if use_witness else None
    with _ingest.gc_paused():  # rows are read and dropped in bounded chunks, none cyclic
        return verify_log(
            session.connection(),
            verifier,
            from_seq=from_seq,
            to_seq=to_seq,
            witness=witness,
            now=now,
        )


def inclusion_proof(session: Session, seq: int, tree_size: int | None = None) -> dict[str, Any]:
    return proofs.inclusion(session.connection(), seq, tree_size)


def consistency_proof(session: Session, size1: int, size2: int | None = None) -> dict[str, Any]:
    return proofs.consistency(session.connection(), size1, size2)


def public_key_pem(settings: Settings) -> str:
    return signer(settings).verifier.public_pem()


def iter_login_rows(
    session: Session,
    *,
    after_seq: int = -1,
    up_to_seq: int | None = None,
    system: str | None = None,
    function_prefix: str | None = None,
    time_from: datetime | None = None,
    time_to: datetime | None = None,
) -> Iterator[tuple[Any, ...]]:
    """Stream stored events in ``seq`` order for analysis (the detect domain).

    Rows are ``(seq, time, account, function, system, outcome, source_ip, user_agent,
    attributes_json)``.
    """
    table: Table = Event.__table__  # type: ignore[assignment]
    c = table.c
    query = select(
        c.seq,
        c.time,
        c.account,
        c.function,
        c.system,
        c.outcome,
        c.source_ip,
        c.user_agent,
        c.attributes,
    ).where(c.seq > after_seq)
    if up_to_seq is not None:
        query = query.where(c.seq <= up_to_seq)
    if system is not None:
        query = query.where(c.system == system)
    if function_prefix is not None:
        query = query.where(c.function.startswith(function_prefix, autoescape=True))
    if time_from is not None:
        query = query.where(c.time >= time_from)
    if time_to is not None:
        query = query.where(c.time < time_to)
    result = session.execute(query.order_by(c.seq).execution_options(yield_per=20000))
    for row in result:
        yield tuple(row)


def first_seq_at(session: Session, when: datetime) -> int:
    """The first sequence number recorded at or after ``when``; the log's next one when
    none is. ``recorded_at`` never goes backwards along the log, so a binary search over
    the sequence numbers (the primary key) finds it without scanning, gaps left by
    purged periods included."""
    conn = session.connection()

    def at_or_after(seq: int) -> tuple[int, datetime] | None:
        row = conn.execute(
            select(Event.seq, Event.recorded_at)
            .where(Event.seq >= seq)
            .order_by(Event.seq)
            .limit(1)
        ).first()
        return None if row is None else (int(row[0]), as_utc(row[1]))

    target = as_utc(when)
    low, high = 0, last_seq(session) + 1
    while low < high:
        middle = (low + high) // 2
        found = at_or_after(middle)
        if found is None or found[1] >= target:
            high = middle
        else:
            low = middle + 1
    found = at_or_after(low)
    return found[0] if found is not None else low


def last_seq(session: Session) -> int:
    """The highest sequence number stored (-1 for an empty log)."""
    value = session.execute(select(func.max(Event.seq))).scalar()
    return -1 if value is None else int(value)
