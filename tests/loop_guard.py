"""Catch database calls made on the event loop: an ``async def`` handler must hand its
database work to the thread pool (``run_unit_of_work``), or every other request waits.
The staff-session check (``web.deps.current_staff``), the sign-in and the sign-out do too,
so every statement counts."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event


def _on_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False  # a worker thread: no event loop runs here
    return True


@contextmanager
def sql_on_event_loop(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements ``engine`` ran inside the block on a thread running an event
    loop (the list fills as they run; empty when the handlers kept off the loop)."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if _on_event_loop():
            seen.append(statement.split("\n", 1)[0][:120])

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)
