"""Investigation: search the trail by customer, account, function, system and time,
and export the hits as CSV or XLSX with each record's inclusion proof attached.

Searching and exporting are themselves audited by the callers (the API and the pages
record an event naming who searched for what), so "who looked at the trail" is in it.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from brokerguard.audit import merkle
from brokerguard.audit.canonical import format_time
from brokerguard.audit.models import AuditEventRow
from brokerguard.audit.proofs import DatabaseSubtrees, b64
from brokerguard.audit.sealing import latest_head
from brokerguard.errors import ValidationError
from brokerguard.tabular import spreadsheet_safe

_events = cast(Table, AuditEventRow.__table__)
MAX_RESULTS = 5000


@dataclass(frozen=True)
class SearchFilters:
    customer_id: str | None = None
    account: str | None = None
    function: str | None = None
    system: str | None = None
    time_from: datetime | None = None
    time_to: datetime | None = None

    def describe(self) -> str:
        parts = [f"{k}={v}" for k, v in self.__dict__.items() if v not in (None, "")]
        return "search " + (" ".join(parts) if parts else "(all)")

    def validate(self) -> None:
        for name in ("customer_id", "account", "function", "system"):
            value = getattr(self, name)
            if value is not None and len(value) > 256:
                raise ValidationError(f"{name} is longer than 256 characters", field=name)
        for name in ("time_from", "time_to"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise ValidationError(f"{name} needs a UTC offset", field=name)
        if self.time_from and self.time_to and self.time_from > self.time_to:
            raise ValidationError("time_from is after time_to", field="time_to")


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search(
    session: Session, filters: SearchFilters, *, limit: int = 200, offset: int = 0
) -> list[dict[str, Any]]:
    filters.validate()
    if not 1 <= limit <= MAX_RESULTS or offset < 0:
        raise ValidationError(f"limit must be 1-{MAX_RESULTS}, offset 0 or more", field="limit")
    query = select(_events)
    if filters.customer_id:
        needle = json.dumps(filters.customer_id, ensure_ascii=False)
        query = query.where(_events.c.customer_ids.like(f"%{_like_escape(needle)}%", escape="\\"))
    for name in ("account", "function", "system"):
        value = getattr(filters, name)
        if value:
            query = query.where(_events.c[name] == value)
    if filters.time_from:
        query = query.where(_events.c.time >= filters.time_from)
    if filters.time_to:
        query = query.where(_events.c.time <= filters.time_to)
    rows = session.execute(query.order_by(_events.c.seq.desc()).limit(limit).offset(offset))
    return [_row_dict(r._mapping) for r in rows]


def _row_dict(row: Any) -> dict[str, Any]:
    data = dict(row)
    data["customer_ids"] = json.loads(data["customer_ids"])
    data["attributes"] = json.loads(data["attributes"])
    data["time"] = format_time(data["time"])
    data["recorded_at"] = format_time(data["recorded_at"])
    return data


EXPORT_COLUMNS = (
    "seq",
    "time",
    "recorded_at",
    "account",
    "actor",
    "function",
    "system",
    "customer_ids",
    "query",
    "result_digest",
    "outcome",
    "source_ip",
    "user_agent",
    "correlation_id",
    "event_id",
    "leaf_hash",
    "tree_size",
    "root",
    "inclusion_proof",
)


def with_proofs(session: Session, rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], Any]:
    """Attach to each sealed row its inclusion proof in the newest signed tree."""
    head = latest_head(session)
    mth = DatabaseSubtrees(session.connection())
    memo: dict[tuple[int, int], bytes] = {}

    def cached(lo: int, hi: int) -> bytes:
        if (lo, hi) not in memo:
            memo[(lo, hi)] = mth(lo, hi)
        return memo[(lo, hi)]

    out = []
    for row in rows:
        item = dict(row)
        if head is not None and row["seq"] < head.tree_size:
            path = merkle.inclusion_proof(row["seq"], head.tree_size, cached)
            item["tree_size"] = head.tree_size
            item["root"] = b64(bytes.fromhex(head.root))
            item["inclusion_proof"] = " ".join(b64(p) for p in path)
        else:
            item["tree_size"] = ""
            item["root"] = ""
            item["inclusion_proof"] = "(not sealed yet)"
        out.append(item)
    return out, head


def _cell(value: Any) -> str:
    if isinstance(value, list | dict):
        text = json.dumps(value, ensure_ascii=False)
    else:
        text = "" if value is None else str(value)
    return spreadsheet_safe(text)  # no formula injection, nothing XLSX cannot hold


def export_csv(rows: list[dict[str, Any]], head: Any) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if head is not None:
        writer.writerow(["# tree_head", json.dumps(head.to_dict())])
    writer.writerow(EXPORT_COLUMNS)
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in EXPORT_COLUMNS])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def export_xlsx(rows: list[dict[str, Any]], head: Any, public_key_pem: str) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "events"
    sheet.append(list(EXPORT_COLUMNS))
    for row in rows:
        sheet.append([_cell(row.get(c)) for c in EXPORT_COLUMNS])
    info = book.create_sheet("tree_head")
    if head is not None:
        for key, value in head.to_dict().items():
            info.append([key, _cell(value)])
    info.append(["public_key_pem", public_key_pem])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
