"""The failure counter (A9.7): atomic, per submitted account name, known or not.

A password check first *reserves* a slot with one conditional UPDATE ... RETURNING
(``failed_count < threshold``), committed at once. PostgreSQL serialises concurrent
updates of the row and re-checks the condition; SQLite takes its write lock with the
first statement of the transaction (an INSERT), so the UPDATE is immediate. Hence
with 50 concurrent wrong guesses exactly ``threshold`` are verified and the rest are
refused as locked. A correct password gives its slot back (counter reset); a wrong
one keeps it. A locked account is refused before any verification, so a correct
password does not reset it: only the reset flow or a staff unlock does.
"""

from __future__ import annotations

from functools import cache
from typing import Any, cast

from sqlalchemy import CTE, Table, bindparam, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import ReturningInsert

from brokerguard.auth.models import FailureCounter
from brokerguard.clock import Clock

#: Core statements on the table, built once: the hot path skips the ORM's per-statement
#: machinery, and a statement built once computes its cache key once
_counters = cast(Table, FailureCounter.__table__)
_CONFIRM_FAILURE = (
    update(_counters)
    .where(
        _counters.c.account == bindparam("b_account"),
        _counters.c.failed_count >= bindparam("b_threshold"),
        _counters.c.locked_at.is_(None),
    )
    .values(locked_at=bindparam("b_now"))
)
_RESET = (
    update(_counters)
    .where(_counters.c.account == bindparam("b_account"))
    .values(failed_count=0, locked_at=None, updated_at=bindparam("b_now"))
)


@cache
def _reserve_statement(dialect: str) -> ReturningInsert[Any]:
    """``INSERT ... ON CONFLICT DO UPDATE ... WHERE failed_count < threshold RETURNING``."""
    insert_fn = pg_insert if dialect == "postgresql" else sqlite_insert
    upsert = insert_fn(_counters).values(
        account=bindparam("b_account"),
        failed_count=1,
        locked_at=None,
        updated_at=bindparam("b_now"),
    )
    counted = {
        "failed_count": _counters.c.failed_count + 1,
        "updated_at": upsert.excluded.updated_at,
    }
    return upsert.on_conflict_do_update(
        index_elements=[_counters.c.account],
        set_=counted,
        where=_counters.c.failed_count < bindparam("b_threshold"),
    ).returning(_counters.c.failed_count)


def reservation_cte() -> CTE:
    """PostgreSQL: the reservation as a data-modifying CTE (``reserved``, one row with
    ``failed_count`` when a slot was taken, none when locked), so a statement can take
    the slot and read what the check needs in one round trip: the same conditional
    upsert as :func:`reserve_attempt` (same row lock and re-check, so the same race
    outcome). Bind it with :func:`reservation_params`."""
    return _reserve_statement("postgresql").cte("reserved")


def reservation_params(clock: Clock, account: str, threshold: int) -> dict[str, Any]:
    return {"b_account": account, "b_now": clock.now(), "b_threshold": threshold}


def reserve_attempt(
    session: Session, clock: Clock, account: str, threshold: int, *, commit: bool = True
) -> int | None:
    """Take one of the ``threshold`` attempts; None when the account is locked.

    One statement: ``INSERT ... ON CONFLICT DO UPDATE SET failed_count = failed_count + 1
    WHERE failed_count < threshold RETURNING failed_count``, in a transaction of its own.
    Commits, so the reservation is visible to concurrent requests at once; with
    ``commit=False`` the caller commits it (after reading what it needs in the same
    transaction) before it verifies anything.
    """
    session.commit()
    stmt = _reserve_statement(session.get_bind().dialect.name)
    params = reservation_params(clock, account, threshold)
    count: int | None = session.execute(stmt, params).scalar_one_or_none()
    if commit:
        session.commit()
    return count


def confirm_failure(session: Session, clock: Clock, account: str, threshold: int) -> bool:
    """The reserved attempt was wrong: keep it; stamp the lock time. True if it locked."""
    params = {"b_account": account, "b_threshold": threshold, "b_now": clock.now()}
    result = session.execute(_CONFIRM_FAILURE, params)
    return bool(getattr(result, "rowcount", 0))


def reset_counter(session: Session, clock: Clock, account: str) -> None:
    """A correct password, a completed reset or a staff unlock: back to zero."""
    session.execute(_RESET, reset_params(clock, account))


def reset_cte() -> CTE:
    """PostgreSQL: :func:`reset_counter` as a data-modifying CTE, to ride on another
    statement of the same transaction (``Insert.add_cte``); bind :func:`reset_params`."""
    return _RESET.cte("counter_reset")


def reset_params(clock: Clock, account: str) -> dict[str, Any]:
    return {"b_account": account, "b_now": clock.now()}


def lock_state(session: Session, account: str) -> FailureCounter | None:
    return session.get(FailureCounter, account)


def is_locked(session: Session, account: str, threshold: int) -> bool:
    row = session.get(FailureCounter, account)
    return row is not None and row.failed_count >= threshold


def recovery_key(account: str) -> str:
    """The counter of failed recovery attempts, separate from the password counter."""
    return "recovery:" + account[:247]
