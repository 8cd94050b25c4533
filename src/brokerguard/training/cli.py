"""``brokerguard training``: people, courses, attendance; completion and overdue lists."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from brokerguard.cli import runtime
from brokerguard.clock import today
from brokerguard.errors import ValidationError
from brokerguard.registerkit.cli import add_register_commands
from brokerguard.training.service import (
    REGISTERS,
    TOPICS,
    completion_by_unit,
    course_statuses,
    overdue,
)

app = typer.Typer(help="教育訓練 / Training: courses, people, attendance.", no_args_is_help=True)
for _spec in REGISTERS:
    add_register_commands(app, _spec)


def _topic(value: str | None) -> str | None:
    if value is not None and value not in TOPICS:
        raise ValidationError(f"topic must be one of {', '.join(TOPICS)}", field="topic")
    return value


@app.command("completion")
@runtime.handle_errors
def completion(topic: Annotated[str | None, typer.Option(help=", ".join(TOPICS))] = None) -> None:
    """Completion per unit."""
    chosen = _topic(topic)
    ctx = runtime.context()
    day = today(ctx.clock)
    with ctx.session() as session:
        statuses = course_statuses(session, day, topic=chosen)
    table = Table(title=f"Completion as of {day}")
    for name in ("unit", "required", "current", "%"):
        table.add_column(name)
    for item in completion_by_unit(statuses, day):
        table.add_row(item.group, str(item.required), str(item.current), f"{item.percent}%")
    runtime.console.print(table)


@app.command("overdue")
@runtime.handle_errors
def overdue_command(
    topic: Annotated[str | None, typer.Option(help=", ".join(TOPICS))] = None,
) -> None:
    """List people whose training is overdue; exit 1 when anyone is."""
    chosen = _topic(topic)
    ctx = runtime.context()
    day = today(ctx.clock)
    with ctx.session() as session:
        late = overdue(course_statuses(session, day, topic=chosen), day)
    for item in late:
        due = item.due_on.isoformat() if item.due_on else "never trained"
        runtime.console.print(
            f"{item.employee_id}\t{item.name}\t{item.unit}\t{item.course_code}\t{due}"
        )
    runtime.console.print(f"{len(late)} overdue")
    if late:
        raise typer.Exit(1)
