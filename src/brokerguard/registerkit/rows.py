"""Ready-made pieces of a :class:`~brokerguard.registerkit.spec.RegisterSpec`: find a row
by its own key columns, show a row as its plain attributes (one per column), and the
new-row/stamp steps every saver shares."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from brokerguard.clock import Clock
from brokerguard.registerkit.spec import Finder, RowView
from brokerguard.tabular import Column

M = TypeVar("M")


def find_by(model: type[Any], *names: str) -> Finder:
    """A finder matching the row whose attributes ``names`` equal the parsed values."""

    def find(session: Session, values: dict[str, Any]) -> Any:
        return session.scalar(
            select(model).where(*(getattr(model, name) == values[name] for name in names))
        )

    return find


def column_row(columns: Sequence[Column]) -> RowView:
    """A row view: ``id`` then the attribute named like each of ``columns``, in that order
    (for a register whose model stores every column as it is)."""
    names = tuple(column.name for column in columns)

    def to_row(session: Session, row: Any) -> dict[str, Any]:
        shown: dict[str, Any] = {"id": row.id}
        for name in names:
            shown[name] = getattr(row, name)
        return shown

    return to_row


def row_or_new(session: Session, row: M | None, model: type[M]) -> M:
    """The row being edited, or a new one added to the session."""
    if row is None:
        row = model()
        session.add(row)
    return row


def stamp(row: M, clock: Clock, actor: str) -> M:
    """Record who changed the row and when; returns the row."""
    row.updated_by = actor  # type: ignore[attr-defined]
    row.updated_at = clock.now()  # type: ignore[attr-defined]
    return row
