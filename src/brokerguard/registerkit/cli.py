"""CLI sub-commands for a register: ``list``, ``add``, ``edit``, ``import``, ``export``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from brokerguard.cli import runtime
from brokerguard.errors import ValidationError
from brokerguard.registerkit.commands import parse_assignments
from brokerguard.registerkit.files import read_input_file
from brokerguard.registerkit.spec import (
    RegisterSpec,
    as_text,
    create_item,
    export_items,
    export_rows,
    import_items,
    parse_mode,
    update_item,
)

SetOption = Annotated[
    list[str] | None,
    typer.Option("--set", help="field=value (repeatable); see the register's columns"),
]

#: ``--decision`` of a review command: approve or reject
DecisionOption = Annotated[str, typer.Option(help="approve or reject")]


def apply_decision(
    decision: str, *, approve: Callable[[], object], reject: Callable[[], object]
) -> None:
    """Run the review step the ``--decision`` names; anything else is refused."""
    if decision == "approve":
        approve()
    elif decision == "reject":
        reject()
    else:
        raise ValidationError("decision must be approve or reject", field="decision")


def add_register_commands(app: typer.Typer, spec: RegisterSpec[Any]) -> None:
    sub = typer.Typer(help=f"{spec.title_zh} / {spec.title_en}", no_args_is_help=True)
    app.add_typer(sub, name=spec.path)
    fields = ", ".join(c.name for c in spec.columns)

    @sub.command("list")
    @runtime.handle_errors
    def list_command(
        as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    ) -> None:
        """Print the register."""
        ctx = runtime.context()
        with ctx.session() as session:
            rows = export_rows(session, spec)
        if as_json:
            typer.echo(json.dumps(rows, ensure_ascii=False, default=str, indent=2))
            return
        table = Table(title=f"{spec.title_zh} / {spec.title_en}")
        names = ["id", *(c.name for c in spec.columns)]
        for name in names:
            table.add_column(name)
        for row in rows:
            table.add_row(*(as_text(row.get(n)) for n in names))
        runtime.console.print(table)

    @sub.command("add", help=f"Add an entry. Fields: {fields}")
    @runtime.handle_errors
    def add_command(values: SetOption = None) -> None:
        ctx = runtime.context()
        with ctx.session() as session:
            row = create_item(session, ctx.clock, spec, parse_assignments(values), "cli")
            item_id = spec.by_columns.to_row(session, row)["id"]
        runtime.console.print(f"added {spec.key} {item_id}")

    @sub.command("edit", help=f"Change an entry's fields. Fields: {fields}")
    @runtime.handle_errors
    def edit_command(item_id: str, values: SetOption = None) -> None:
        assignments = parse_assignments(values)
        if not assignments:
            raise ValidationError("nothing to change: give --set field=value", field="set")
        ctx = runtime.context()
        with ctx.session() as session:
            update_item(session, ctx.clock, spec, item_id, assignments, "cli")
        runtime.console.print(f"updated {spec.key} {item_id}")

    @sub.command("import")
    @runtime.handle_errors
    def import_command(
        file: Path,
        mode: Annotated[str, typer.Option(help="all_or_nothing or valid_rows")] = "all_or_nothing",
    ) -> None:
        """Load a CSV (UTF-8/Big5) or XLSX file; rows with errors are listed."""
        chosen = parse_mode(mode)
        content = read_input_file(file)
        ctx = runtime.context()
        with ctx.session() as session:
            summary = import_items(
                session,
                ctx.clock,
                spec,
                content,
                file.name,
                chosen,
                "cli",
                settings=ctx.settings,
            )
        for error in summary.errors:
            runtime.err_console.print(f"skipped {error}", highlight=False)
        runtime.console.print(
            f"{summary.created} created, {summary.updated} updated, "
            f"{summary.refused} rejected of {summary.total} rows"
        )

    @sub.command("export")
    @runtime.handle_errors
    def export_command(
        output: Path,
        format: Annotated[str, typer.Option(help="csv or xlsx")] = "csv",
    ) -> None:
        """Write the register to a CSV or XLSX file."""
        ctx = runtime.context()
        with ctx.session() as session:
            content, _, _ = export_items(session, spec, format)
        output.write_bytes(content)
        runtime.console.print(f"wrote {output}")
