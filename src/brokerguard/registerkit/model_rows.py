"""Register imports on top of :mod:`brokerguard.tabular`: rows validated into a Pydantic model.

``read_table`` parses cells by column; :func:`validate_rows` then builds each
register's input model, turning model errors into per-row errors that name the
column, and :func:`ImportOutcome` reports what was loaded and what was not.
:func:`registered_key_errors` refuses rows whose key is already stored and
:func:`insert_new_rows` writes the accepted ones in bulk.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import insert, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from brokerguard.clock import Clock
from brokerguard.db.base import new_uuid
from brokerguard.tabular import (
    ImportMode,
    ImportRejectedError,
    ImportResult,
    RowError,
    rows_with_errors,
)

M = TypeVar("M", bound=BaseModel)
LOOKUP_CHUNK = 500
INSERT_CHUNK = 1000


@dataclass
class ImportOutcome:
    """What an import did: rows loaded, rows refused (with reasons), rows in the file."""

    total: int = 0
    loaded: int = 0
    errors: list[RowError] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "loaded": self.loaded,
            "rejected": rows_with_errors(self.errors),
            "errors": [
                {"line": e.line, "column": e.column, "message": e.message} for e in self.errors
            ],
        }


#: import_rows(session, clock, content, filename, mode, actor) -> what was loaded; the
#: one loader a register's page, JSON API and CLI import all call
ImportRows = Callable[[Session, Clock, bytes, str, ImportMode, str], ImportOutcome]
#: export(session, "csv" | "xlsx") -> the file
ExportTable = Callable[[Session, str], bytes]


def validate_rows(result: ImportResult, model: type[M]) -> list[tuple[int, M]]:
    """Build ``model`` from every parsed row; failures join ``result.errors``."""
    valid: list[tuple[int, M]] = []
    for line, row in zip(result.lines, result.rows, strict=True):
        data = {k: v for k, v in row.items() if v is not None}
        try:
            valid.append((line, model.model_validate(data)))
        except PydanticValidationError as exc:
            for item in exc.errors():
                column = ".".join(str(p) for p in item.get("loc", ())) or None
                result.errors.append(RowError(line, column, str(item.get("msg", "invalid"))))
    return valid


def load_rows(
    result: ImportResult,
    model: type[M],
    mode: ImportMode,
    conflicts: Callable[[list[tuple[int, M]]], list[RowError]],
    store: Callable[[list[M]], None],
) -> ImportOutcome:
    """Validate, find conflicts with stored data, then store the rows ``mode`` allows.

    ``conflicts`` returns errors for rows that clash with what is stored (a duplicate
    asset tag, an unknown asset); ``store`` writes the accepted models. Under
    ``all_or_nothing`` a single error raises :class:`ImportRejectedError` before
    anything is written.
    """
    valid = validate_rows(result, model)
    clashes = conflicts(valid)
    result.errors.extend(clashes)
    bad_lines = {e.line for e in result.errors}
    result.errors.sort(key=lambda e: e.line)
    if result.errors and mode is ImportMode.all_or_nothing:
        raise ImportRejectedError(result.errors, result.total)
    accepted = [item for line, item in valid if line not in bad_lines]
    store(accepted)
    return ImportOutcome(total=result.total, loaded=len(accepted), errors=result.errors)


def registered_key_errors(
    session: Session,
    key: InstrumentedAttribute[str],
    valid: Sequence[tuple[int, BaseModel]],
    what: str,
) -> list[RowError]:
    """An error for every row whose key (the model field named like the ``key`` column) is
    already stored: ``<what> 'X' is already registered``. Looked up 500 keys at a time."""
    name = key.key
    keys = sorted({getattr(item, name) for _, item in valid})
    taken: set[str] = set()
    for start in range(0, len(keys), LOOKUP_CHUNK):
        chunk = keys[start : start + LOOKUP_CHUNK]
        taken.update(session.scalars(select(key).where(key.in_(chunk))))
    return [
        RowError(line, name, f"{what} {getattr(item, name)!r} is already registered")
        for line, item in valid
        if getattr(item, name) in taken
    ]


def insert_new_rows(
    session: Session,
    model: type[Any],
    values: Sequence[dict[str, object]],
    *,
    actor: str,
    now: datetime,
) -> None:
    """Bulk insert (imports) of new rows, each with a new id, ``created_by`` ``actor`` and
    ``created_at``/``updated_at`` ``now``; 1,000 rows a statement."""
    rows = [
        {**v, "id": new_uuid(), "created_by": actor, "created_at": now, "updated_at": now}
        for v in values
    ]
    for start in range(0, len(rows), INSERT_CHUNK):
        session.execute(insert(model), rows[start : start + INSERT_CHUNK])
