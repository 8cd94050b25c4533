"""Validating and appending events: sequence numbers, idempotency by ``event_id``.

A batch is validated event by event; each bad event is reported with its index, the
field and the reason. Under the ``partial`` policy (default) the valid events are
stored and the bad ones reported; under ``atomic`` nothing is stored when one is bad.
Either way a batch is written in one transaction, so it is never half-written.
Duplicates (an ``event_id`` already stored, or twice in the batch) are rejected with
reason ``duplicate``: re-sending a batch is harmless (at-least-once delivery).
"""

from __future__ import annotations

import gc
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from operator import itemgetter
from typing import Annotated, Any, NamedTuple, cast
from weakref import WeakKeyDictionary

from pydantic import ConfigDict, StringConstraints, create_model
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import Connection, Engine, String, Table, any_, bindparam, func, select, text
from sqlalchemy import event as sa_event
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from brokerguard.audit.canonical import (
    attributes_json,
    customer_ids_json,
    format_time,
    query_digest,
    record_json,
    sqlite_time,
)
from brokerguard.audit.merkle import leaf_hash
from brokerguard.audit.models import AuditEventId, AuditEventRow, AuditState
from brokerguard.audit.settings import AuditSettings
from brokerguard.clock import Clock, as_utc
from brokerguard.errors import PayloadTooLargeError, ValidationError
from brokerguard.kernel.audit import AuditEvent

RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$")
EVENT_COLUMNS = (
    "seq",
    "recorded_at",
    "event_id",
    "time",
    "account",
    "function",
    "system",
    "query",
    "result_digest",
    "actor",
    "customer_ids",
    "source_ip",
    "user_agent",
    "outcome",
    "correlation_id",
    "attributes",
    "leaf_hash",
)
_events = cast(Table, AuditEventRow.__table__)
_ids = cast(Table, AuditEventId.__table__)
_state = cast(Table, AuditState.__table__)


@dataclass(frozen=True)
class Rejection:
    index: int
    event_id: str | None
    field: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "event_id": self.event_id,
            "field": self.field,
            "reason": self.reason,
        }


@dataclass
class IngestResult:
    accepted: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    first_seq: int | None = None
    more_rejected: int = 0
    """Rejections counted but not listed (a long file keeps only the first ones)."""

    @property
    def rejected_count(self) -> int:
        return len(self.rejected) + self.more_rejected

    def to_dict(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "rejected": self.rejected_count,
            "first_seq": self.first_seq,
            "errors": [r.to_dict() for r in self.rejected],
        }


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while one bounded batch is parsed and stored
    (or sealed, or a log verified chunk by chunk).

    A batch allocates many short-lived acyclic objects (dicts, models, tuples) that
    repeatedly trigger collections which find nothing; pausing is ~1.5x faster on ingest.
    The batch size limit bounds the memory this holds; the previous state is restored.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _event_id_of(raw: object) -> str | None:
    if isinstance(raw, dict):
        value = raw.get("event_id")
        if isinstance(value, str) and len(value) <= 64:
            return value
    return None


class PreparedEvent(NamedTuple):
    """A valid event ready to store: its ID, its canonical UTC time and its other stored
    values in column order (``account`` ... ``attributes``; ``query`` already digested
    when configured, ``customer_ids`` and ``attributes`` as canonical JSON)."""

    event_id: str
    time: str
    columns: tuple[Any, ...]

    @property
    def system(self) -> str:
        return cast(str, self.columns[2])

    @property
    def function(self) -> str:
        return cast(str, self.columns[1])

    def contract_json(self) -> dict[str, Any]:
        """The event as producers send it (the interface contract), from its stored
        values (``query`` as stored: digested when configured)."""
        (account, function, system, query, digest, actor, customers, source_ip, user_agent,
         outcome, correlation_id, attributes) = self.columns  # fmt: skip
        data: dict[str, Any] = {
            "event_id": self.event_id,
            "time": self.time,
            "account": account,
            "function": function,
            "system": system,
            "customer_ids": json.loads(customers),
            "attributes": json.loads(attributes),
        }
        optional = {
            "query": query,
            "result_digest": digest,
            "actor": actor,
            "source_ip": source_ip,
            "user_agent": user_agent,
            "outcome": outcome,
            "correlation_id": correlation_id,
        }
        data.update((name, value) for name, value in optional.items() if value is not None)
        return data


_PLAIN_UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
_PLAIN_TIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:[0-5]\d)$"
_PLAIN_FIELDS: dict[str, Any] = {
    **{name: (info.annotation, info) for name, info in AuditEvent.model_fields.items()},
    "event_id": (Annotated[str, StringConstraints(pattern=_PLAIN_UUID)], ...),
    "time": (Annotated[str, StringConstraints(pattern=_PLAIN_TIME)], ...),
}
_PlainEvent = create_model(
    "_PlainEvent", __config__=ConfigDict(extra="forbid", strict=True), **_PLAIN_FIELDS
)
"""An event in the plain form producers send: :class:`AuditEvent`'s fields and limits,
strict types (no coercion), a lower-case hyphenated UUID and an RFC 3339 time with
``T``, at most microseconds and ``Z`` or an offset, both kept as text. What it accepts,
:class:`AuditEvent` accepts unchanged; everything else takes the general path."""
_validate_plain_json = _PlainEvent.__pydantic_validator__.validate_json  # no wrapper per line


def parse_event(
    raw: object, index: int, settings: AuditSettings, now: datetime, size: int | None = None
) -> PreparedEvent | Rejection:
    """One raw JSON value -> a valid :class:`PreparedEvent` or the reason it is refused.

    ``size`` is the event's encoded size when the caller knows it (a JSON line).
    """
    event_id = _event_id_of(raw)
    if not isinstance(raw, dict):
        return Rejection(index, None, "", "an event must be a JSON object")
    if size is None:
        size = len(json.dumps(raw, ensure_ascii=False, default=str).encode("utf-8"))
    if size > settings.max_event_bytes:
        return Rejection(
            index, event_id, "", f"event is {size} bytes, limit is {settings.max_event_bytes}"
        )
    when = raw.get("time")
    if not isinstance(when, str) or not RFC3339.match(when):
        return Rejection(index, event_id, "time", "time must be RFC 3339 text with an offset")
    try:
        event = AuditEvent.model_validate(raw)
    except PydanticValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "event"
        return Rejection(index, event_id, where, str(first.get("msg", "invalid")))
    checked = check_event(event, index, settings, now)
    return prepare(checked, settings) if isinstance(checked, AuditEvent) else checked


def _parse_plain_line(
    line: str, index: int, settings: AuditSettings, latest: str, size: int
) -> PreparedEvent | Rejection | None:
    """The hot path of ingest: a JSON line holding a :data:`_PlainEvent` is parsed and
    validated in one pass by pydantic-core (no dict, UUID or datetime round-trips), then
    checked like any event (``latest``: the canonical text of the latest time accepted).
    None when it is not plain: the general path decides, and words the reason."""
    if size > settings.max_event_bytes:
        return None
    try:
        fields = vars(_validate_plain_json(line))
    except PydanticValidationError:
        return None
    when = fields["time"]
    utc = _plain_utc(when)
    if utc is None or (fields["query"] is None and fields["result_digest"] is None):
        return None
    event_id = fields["event_id"]
    if utc > latest:
        return _future(index, event_id, settings)
    if when < "1970":  # its own (local) year, as the general path checks it
        return _before_1970(index, event_id)
    refusal = _customers_refusal(index, event_id, fields["customer_ids"])
    return refusal or _prepared(event_id, utc, fields, settings)


def _plain_utc(when: str) -> str | None:
    """The canonical UTC text of a :data:`_PLAIN_TIME` time; None when it names no real
    instant (a bad date or second, out of range). Offsets are whole minutes, so only
    the minute is converted, once: events arrive minute after minute."""
    zone = len(when) - (1 if when[-1] == "Z" else 6)
    utc = _utc_minute(when[:16] + when[zone:])
    if not utc or when[17:19] > "59":
        return None
    return f"{utc}{when[16:19]}.{when[20:zone]:0<6}Z"


@lru_cache(maxsize=4096)
def _utc_minute(minute: str) -> str:
    """``YYYY-MM-DDTHH:MM`` and an offset -> the canonical UTC minute ('' if none)."""
    try:
        return format_time(datetime.fromisoformat(minute))[:16]
    except (ValueError, OverflowError):
        return ""


def check_event(
    event: AuditEvent,
    index: int,
    settings: AuditSettings,
    now: datetime | None,
) -> AuditEvent | Rejection:
    """Rules beyond the schema: not in the future (unless ``now`` is None: the producer's
    clock is trusted), not from before 1970, sane customer IDs."""
    event_id, time = str(event.event_id), event.time
    if now is not None and (time - now).total_seconds() > settings.max_future_skew_s:
        return _future(index, event_id, settings)
    if time.year < 1970:
        return _before_1970(index, event_id)
    return _customers_refusal(index, event_id, event.customer_ids) or event


def _future(index: int, event_id: str, settings: AuditSettings) -> Rejection:
    reason = f"time is more than {settings.max_future_skew_s} s in the future"
    return Rejection(index, event_id, "time", reason)


def _before_1970(index: int, event_id: str) -> Rejection:
    return Rejection(index, event_id, "time", "time is before 1970")


def _customers_refusal(index: int, event_id: str, customer_ids: Sequence[str]) -> Rejection | None:
    if customer_ids:
        if len(customer_ids) > 1000:
            return Rejection(index, event_id, "customer_ids", "more than 1000 customers")
        for item in customer_ids:
            if not item or len(item) > 256:
                return Rejection(
                    index, event_id, "customer_ids", "customer IDs are 1-256 characters"
                )
    return None


def prepare(event: AuditEvent, settings: AuditSettings) -> PreparedEvent:
    """A checked event, ready to store."""
    return _prepared(str(event.event_id), format_time(event.time), vars(event), settings)


_COLUMN_FIELDS = itemgetter(*EVENT_COLUMNS[4:16])


def _prepared(
    event_id: str, time: str, fields: Mapping[str, Any], settings: AuditSettings
) -> PreparedEvent:
    """``time`` is canonical; ``fields`` holds the event's other values by name."""
    (account, function, system, query, digest, actor, customers, source_ip, user_agent, outcome,
     correlation_id, attributes) = _COLUMN_FIELDS(fields)  # fmt: skip
    if query is not None and settings.query_mode == "digest":
        query = query_digest(query)
    columns = (
        account,
        function,
        system,
        query,
        digest,
        actor,
        customer_ids_json(customers),
        source_ip,
        user_agent,
        outcome,
        correlation_id,
        attributes_json(attributes),
    )
    return PreparedEvent(event_id, time, columns)


def parse_jsonl(
    lines: Iterable[str], settings: AuditSettings, now: datetime
) -> tuple[list[tuple[int, PreparedEvent]], list[Rejection]]:
    """JSON lines (one event an object); blank lines are skipped, bad lines rejected."""
    good: list[tuple[int, PreparedEvent]] = []
    bad: list[Rejection] = []
    latest = format_time(now + timedelta(seconds=settings.max_future_skew_s))
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        if len(line) > settings.max_event_bytes * 2:
            bad.append(Rejection(index, None, "", "line exceeds the event size limit"))
            continue
        size = len(line.encode("utf-8", "surrogatepass"))  # even a lone surrogate: no crash
        parsed = _parse_plain_line(line, index, settings, latest, size)
        if parsed is None:
            try:
                raw = json.loads(line)
            except (json.JSONDecodeError, RecursionError) as error:
                bad.append(Rejection(index, None, "", f"not JSON: {error}"))
                continue
            parsed = parse_event(raw, index, settings, now, size)
        if isinstance(parsed, Rejection):
            bad.append(parsed)
        else:
            good.append((index, parsed))
    return good, bad


def parse_batch(
    items: Sequence[object], settings: AuditSettings, now: datetime
) -> tuple[list[tuple[int, PreparedEvent]], list[Rejection]]:
    if len(items) > settings.max_batch_events:
        raise PayloadTooLargeError(
            f"batch has {len(items)} events, limit is {settings.max_batch_events}", field="events"
        )
    good: list[tuple[int, PreparedEvent]] = []
    bad: list[Rejection] = []
    for index, raw in enumerate(items):
        parsed = parse_event(raw, index, settings, now)
        if isinstance(parsed, Rejection):
            bad.append(parsed)
        else:
            good.append((index, parsed))
    return good, bad


def _lock_state(conn: Connection) -> tuple[int, datetime | None]:
    """Take the log's write lock (the state row) and return (next_seq, last recorded_at),
    in one statement. Every audit write (append, seal) comes here, so this also makes
    the transaction's commit durable.

    PostgreSQL: ``synchronous_commit = on`` for this transaction, whatever the server,
    database or role default says (``off`` could lose the last commits in a crash), set
    by the lock statement itself (:func:`_take_statement`). SQLite: every connection runs
    ``synchronous=FULL`` (:mod:`brokerguard.db.engine`): the level cannot change inside
    a transaction, and the audit events of a request commit in the request's own
    transaction."""
    next_seq, last_recorded, _ = _take_lock(conn, None)
    return next_seq, last_recorded


_LAST_RECORDED = (
    select(_events.c.recorded_at).where(_events.c.seq == _state.c.next_seq - 1).scalar_subquery()
)


@lru_cache(maxsize=4)
def _take_statement(postgresql: bool, with_ids: bool) -> Any:
    """``UPDATE audit_state ... RETURNING next_seq, last recorded_at``; on PostgreSQL the
    same statement also makes the commit durable (``set_config(..., true)`` is ``SET
    LOCAL``) and, ``with_ids``, returns which of the ``ids`` parameter are stored: one
    round trip instead of three."""
    returned: list[Any] = [_state.c.next_seq, _LAST_RECORDED]
    if postgresql:
        returned.append(func.set_config("synchronous_commit", "on", True))
        if with_ids:
            stored = select(func.array_agg(_ids.c.event_id)).where(
                _ids.c.event_id == any_(bindparam("ids", type_=ARRAY(String)))
            )
            returned.append(stored.scalar_subquery())
    return (
        _state.update()
        .where(_state.c.id == 1)
        .values(next_seq=_state.c.next_seq)
        .returning(*returned)
    )


def _take_lock(
    conn: Connection, ids: Sequence[str] | None
) -> tuple[int, datetime | None, set[str] | None]:
    """:func:`_lock_state`, and on PostgreSQL the stored ones among ``ids`` (None when
    not looked up here)."""
    postgresql = conn.dialect.name == "postgresql"
    take = _take_statement(postgresql, ids is not None)
    params = {"ids": list(ids)} if postgresql and ids is not None else {}
    row = conn.execute(take, params).first()
    if row is None:
        # state row missing (a fresh or emptied database): rebuild it from the log. Two
        # first writers may get here at once: the second insert waits for the first and
        # does nothing, then both take the lock through the row as usual
        top = conn.execute(select(func.max(_events.c.seq))).scalar()
        insert = pg_insert if postgresql else sqlite_insert
        conn.execute(
            insert(_state)
            .values(id=1, next_seq=0 if top is None else int(top) + 1)
            .on_conflict_do_nothing(index_elements=[_state.c.id])
        )
        row = conn.execute(take, params).one()
    last = as_utc(row[1]) if isinstance(row[1], datetime) else None
    stored = set(row[3] or ()) if postgresql and ids is not None else None
    return int(row[0]), last, stored


def _existing_ids(conn: Connection, ids: Sequence[str]) -> set[str]:
    if conn.dialect.name == "postgresql":  # one array parameter instead of thousands
        query = text("SELECT event_id FROM audit_event_ids WHERE event_id = ANY(:ids)")
        return set(conn.execute(query, {"ids": list(ids)}).scalars())
    raw = conn.connection.driver_connection  # SQLite: the whole batch as one JSON parameter
    assert raw is not None
    rows = raw.execute(
        "SELECT event_id FROM audit_event_ids WHERE event_id IN (SELECT value FROM json_each(?))",
        (json.dumps(list(ids)),),
    )
    return {row[0] for row in rows}


def append_events(
    session: Session,
    events: Sequence[tuple[int, PreparedEvent]],
    clock: Clock,
    settings: AuditSettings,
) -> IngestResult:
    """Append valid events in the session's transaction; duplicates are rejected."""
    result = IngestResult()
    if not events:
        return result
    conn = session.connection()
    ids = [e.event_id for _, e in events]
    next_seq, last_recorded, stored_here = _take_lock(conn, ids)
    recorded_at = as_utc(clock.now())
    if last_recorded is not None and recorded_at < last_recorded:
        recorded_at = last_recorded  # recorded_at never goes backwards along the log
    recorded = format_time(recorded_at)
    stored = _existing_ids(conn, ids) if stored_here is None else stored_here
    seen: set[str] = set()
    rows: list[tuple[Any, ...]] = []
    sqlite = conn.dialect.name == "sqlite"
    recorded_db = sqlite_time(recorded) if sqlite else recorded
    for (index, event), event_id in zip(events, ids, strict=True):
        if event_id in stored or event_id in seen:
            result.rejected.append(Rejection(index, event_id, "event_id", "duplicate"))
            continue
        seen.add(event_id)
        seq = next_seq + len(rows)
        when = event.time
        text = record_json(seq, recorded, event_id, when, *event.columns)
        leaf = leaf_hash(text.encode("utf-8")).hex()
        when_db = sqlite_time(when) if sqlite else when
        rows.append((seq, recorded_db, event_id, when_db, *event.columns, leaf))
    if not rows or (result.rejected and settings.batch_policy == "atomic"):
        return result
    _write_rows(conn, rows, recorded_at, next_seq + len(rows))
    result.accepted = len(rows)
    result.first_seq = next_seq
    return result


#: up to this many rows go in one INSERT statement on PostgreSQL; more go by COPY
SMALL_BATCH_ROWS = 64
#: per engine, the months whose PostgreSQL partition is known to exist
_known_partitions: WeakKeyDictionary[Engine, set[str]] = WeakKeyDictionary()


def forget_partitions(engine: Engine) -> None:
    """After a partition was dropped (retention purge): check again before writing."""
    _known_partitions.pop(engine, None)


def _ensure_partition(conn: Connection, recorded_at: datetime) -> None:
    """Create the month's partition when it may be missing. It is known to exist only
    once the transaction that created it commits: a rolled-back append (a lock, a
    refused commit) takes the new partition with it, and the next append creates it."""
    month = recorded_at.strftime("%Y-%m")
    known = _known_partitions.setdefault(conn.engine, set())
    if month not in known:
        conn.execute(text("SELECT audit_ensure_partition(:at)"), {"at": recorded_at})
        sa_event.listen(conn, "commit", lambda _conn: known.add(month), once=True)


@lru_cache(maxsize=SMALL_BATCH_ROWS)
def _pg_insert_statement(count: int) -> str:
    """Events, their idempotency index and the next sequence number in one statement."""
    one = "(" + ", ".join(["%s"] * len(EVENT_COLUMNS)) + ")"
    return (
        f"WITH e AS (INSERT INTO audit_events ({', '.join(EVENT_COLUMNS)}) "  # noqa: S608
        f"VALUES {', '.join([one] * count)} RETURNING event_id, seq), "
        "s AS (UPDATE audit_state SET next_seq = %s WHERE id = 1) "
        "INSERT INTO audit_event_ids (event_id, seq) SELECT event_id, seq FROM e"
    )


def _write_rows(
    conn: Connection, rows: list[tuple[Any, ...]], recorded_at: datetime, next_seq: int
) -> None:
    """Insert the rows and their idempotency index, and move the log's next_seq on."""
    columns = ", ".join(EVENT_COLUMNS)
    raw = conn.connection.driver_connection
    assert raw is not None
    if conn.dialect.name == "postgresql":
        _ensure_partition(conn, recorded_at)
        with raw.cursor() as cursor:
            if len(rows) <= SMALL_BATCH_ROWS:
                values = [value for row in rows for value in row]
                cursor.execute(_pg_insert_statement(len(rows)), [*values, next_seq])
                return
            with cursor.copy(f"COPY audit_events ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
    else:
        marks = ", ".join("?" * len(EVENT_COLUMNS))
        raw.executemany(f"INSERT INTO audit_events ({columns}) VALUES ({marks})", rows)  # noqa: S608
    # the idempotency index is filled by the database from the rows just written
    conn.execute(
        _ids.insert().from_select(
            ["event_id", "seq"],
            select(_events.c.event_id, _events.c.seq).where(
                _events.c.seq >= rows[0][0], _events.c.seq < next_seq
            ),
        )
    )
    conn.execute(_state.update().where(_state.c.id == 1).values(next_seq=next_seq))


def ingest(
    session: Session,
    items: Sequence[tuple[int, PreparedEvent]],
    rejected: Sequence[Rejection],
    clock: Clock,
    settings: AuditSettings,
) -> IngestResult:
    """Store parsed events following the batch policy; returns what was accepted/rejected."""
    if rejected and settings.batch_policy == "atomic":
        return IngestResult(0, sorted(rejected, key=lambda r: r.index))
    result = append_events(session, items, clock, settings)
    result.rejected = sorted([*rejected, *result.rejected], key=lambda r: r.index)
    return result


def refuse_empty(items: Sequence[object]) -> None:
    if not items:
        raise ValidationError("the batch holds no events", field="events")
