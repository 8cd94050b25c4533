"""``brokerguard config show [--json]``: the effective settings and where each came from."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Annotated, Any

import typer
from pydantic import BaseModel
from rich.markup import escape
from rich.table import Table

from brokerguard.cli import runtime
from brokerguard.config import Settings, shown_value, source_of

app = typer.Typer(help="設定 / Settings: the effective configuration.", no_args_is_help=True)


def _leaves(model: BaseModel, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            yield from _leaves(value, (*path, name))
        else:
            yield (*path, name), value


def effective(settings: Settings) -> dict[str, Any]:
    """Nested like the TOML file: core keys at the top, a table per domain; secrets ``***``."""
    shown: dict[str, Any] = {}
    for path, value in _leaves(settings):
        *tables, key = path
        target = shown
        for table in tables:
            target = target.setdefault(table, {})
        target[key] = shown_value(key, value)
    # JSON-safe: paths, enums and tuples as the TOML file would write them
    result: dict[str, Any] = json.loads(json.dumps(shown, default=str))
    return result


@app.command("show")
@runtime.handle_errors
def show(
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of a table")] = False,
) -> None:
    """The effective settings, nested by domain, each with its source."""
    settings = runtime.settings()
    if as_json:
        typer.echo(json.dumps(effective(settings), ensure_ascii=False, indent=2))
        return
    table = Table("key", "value", "source")
    for path, value in _leaves(settings):
        shown = json.dumps(shown_value(path[-1], value), ensure_ascii=False, default=str)
        table.add_row(".".join(path), escape(shown), escape(source_of(path)))
    runtime.console.print(table)
