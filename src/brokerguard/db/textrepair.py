"""Repair text stored before the text policy (:mod:`brokerguard.textpolicy`).

Rows written before every schema enforced the policy may hold control, bidi or
unencodable characters. :func:`find_unsafe_text` lists them (table, column, primary key,
how many characters); :func:`repair_text` replaces each such character with U+FFFD in
one transaction. Tab and line breaks are kept: a column's own schema decides whether it
holds several lines. The audit tables (``audit_*``) are never touched: their rows are
sealed in signed Merkle trees, and the export neutralises them instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Column, Engine, String, Table, and_, select, update
from sqlalchemy.engine import Connection

from brokerguard.db.base import Base
from brokerguard.domains import all_domains
from brokerguard.textpolicy import REPLACEMENT, neutralise

#: tables never rewritten: append-only, sealed by the audit trail's signed tree heads
SEALED_TABLE_PREFIXES = ("audit_",)


@dataclass(frozen=True)
class UnsafeText:
    table: str
    column: str
    key: tuple[object, ...]
    characters: int

    def describe(self) -> str:
        key = ", ".join(str(part) for part in self.key)
        return f"{self.table}.{self.column} [{key}]: {self.characters} character(s)"


def repairable_tables() -> list[Table]:
    all_domains()  # imports every domain's models into Base.metadata
    return [
        table
        for name, table in sorted(Base.metadata.tables.items())
        if not name.startswith(SEALED_TABLE_PREFIXES) and table.primary_key.columns
    ]


def _text_columns(table: Table) -> list[Column[str]]:
    return [c for c in table.columns if isinstance(c.type, String) and not c.primary_key]


def _scan(connection: Connection, table: Table) -> list[tuple[UnsafeText, str]]:
    keys = list(table.primary_key.columns)
    found: list[tuple[UnsafeText, str]] = []
    for column in _text_columns(table):
        rows = connection.execute(select(*keys, column).where(column.is_not(None)))
        for row in rows:
            value = row[-1]
            if not isinstance(value, str):
                continue
            cleaned = neutralise(value)
            if cleaned != value:
                replaced = cleaned.count(REPLACEMENT) - value.count(REPLACEMENT)
                found.append(
                    (UnsafeText(table.name, column.name, tuple(row[:-1]), replaced), cleaned)
                )
    return found


def find_unsafe_text(engine: Engine) -> list[UnsafeText]:
    """Every stored value holding a character the text policy refuses (read only)."""
    with engine.connect() as connection:
        return [item for table in repairable_tables() for item, _ in _scan(connection, table)]


def repair_text(engine: Engine) -> list[UnsafeText]:
    """Replace those characters with U+FFFD, all in one transaction; returns what changed."""
    changed: list[UnsafeText] = []
    with engine.begin() as connection:
        for table in repairable_tables():
            keys = list(table.primary_key.columns)
            for item, cleaned in _scan(connection, table):
                where = and_(*(key == value for key, value in zip(keys, item.key, strict=True)))
                connection.execute(update(table).where(where).values({item.column: cleaned}))
                changed.append(item)
    return changed
