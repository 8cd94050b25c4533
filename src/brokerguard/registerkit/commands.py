"""What the register commands (``iot``, ``devices``, ``findings``) share."""

from __future__ import annotations

import getpass
import json
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Annotated, Any, get_args

import typer
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError
from rich.table import Table

from brokerguard.cli import runtime
from brokerguard.clock import parse_date
from brokerguard.errors import ValidationError
from brokerguard.registerkit.files import read_input_file
from brokerguard.registerkit.model_rows import ExportTable, ImportOutcome, ImportRows
from brokerguard.registerkit.spec import RegisterSpec, parse_mode

Mode = Annotated[str, typer.Option("--mode", help="all_or_nothing or valid_rows")]
Actor = Annotated[str, typer.Option("--by", help="who does this (default: cli:<user>)")]
Json = Annotated[bool, typer.Option("--json", help="print JSON")]
Sets = Annotated[list[str], typer.Option("--set", help="field=value (repeatable)")]


def default_actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def export_format(path: Path) -> str:
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in ("csv", "xlsx"):
        raise ValidationError("the output file must end in .csv or .xlsx", field="output")
    return suffix


def write_output(path: Path, content: bytes) -> None:
    path.write_bytes(content)
    runtime.console.print(f"wrote {path} ({len(content):,} bytes)")


def add_export_command(app: typer.Typer, name: str, export: ExportTable, help: str) -> None:
    """``<name> OUTPUT``: write what ``export`` makes in the format OUTPUT's suffix names
    (.csv, .xlsx)."""

    @app.command(name, help=help)
    @runtime.handle_errors
    def export_command(output: Path) -> None:
        fmt = export_format(output)
        ctx = runtime.context()
        with ctx.session() as session:
            write_output(output, export(session, fmt))


def add_import_command(
    app: typer.Typer, name: str, load: ImportRows, help: str, *, by_option: bool = True
) -> None:
    """``<name> FILE [--mode] [--by]``: read FILE, hand it to ``load``, print the outcome.

    ``by_option=False`` leaves ``--by`` out, for registers that do not record who loaded
    a row; ``load`` is then given the default actor.
    """

    def run(file: Path, mode: str, actor: str) -> None:
        content = read_input_file(file)
        ctx = runtime.context()
        with ctx.session() as session:
            outcome = load(session, ctx.clock, content, file.name, parse_mode(mode), actor)
        print_outcome(outcome)

    if by_option:

        @app.command(name, help=help)
        @runtime.handle_errors
        def import_command(file: Path, mode: Mode = "all_or_nothing", by: Actor = "") -> None:
            run(file, mode, by or default_actor())

    else:

        @app.command(name, help=help)
        @runtime.handle_errors
        def import_command_without_by(file: Path, mode: Mode = "all_or_nothing") -> None:
            run(file, mode, default_actor())


def add_table_commands(
    app: typer.Typer, spec: RegisterSpec[Any], *, prefix: str = "", by_option: bool = True
) -> None:
    """``<prefix>import FILE`` and ``<prefix>export OUTPUT`` of a model-mode register, from
    the same ``import_rows`` and ``export`` its pages and JSON API use (a register without
    one gets no such command)."""
    mode = spec.by_model
    what = spec.title_en
    if mode.import_rows is not None:
        add_import_command(
            app,
            f"{prefix}import",
            mode.import_rows,
            f"Import {what} from CSV (UTF-8/Big5) or XLSX.",
            by_option=by_option,
        )
    if mode.export is not None:
        add_export_command(app, f"{prefix}export", mode.export, f"Export {what} to .csv or .xlsx.")


def optional_date(value: str | None, field: str) -> date | None:
    """A date option (ISO or ROC); blank is ``None``."""
    if value is None or not value.strip():
        return None
    try:
        return parse_date(value)
    except ValueError as exc:
        raise ValidationError(str(exc), field=field) from None


def print_outcome(outcome: ImportOutcome) -> None:
    runtime.console.print(f"loaded {outcome.loaded} of {outcome.total} rows")
    for error in outcome.errors[:50]:
        runtime.err_console.print(f"  {error}", highlight=False)
    if len(outcome.errors) > 50:
        runtime.err_console.print(f"  ... and {len(outcome.errors) - 50} more")


def parse_assignments(pairs: Sequence[str] | None) -> dict[str, str]:
    """``--set field=value`` options: ``["name=LINE", "allowed=yes"]`` ->
    ``{"name": "LINE", "allowed": "yes"}``. A field given twice is refused; an empty
    value clears the field."""
    values: dict[str, str] = {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ValidationError(f"--set wants field=value, got {pair[:40]!r}", field="set")
        if name in values:
            raise ValidationError(f"field {name!r} given twice", field=name)
        values[name] = value.strip()
    return values


def apply_sets(record: BaseModel, model: type[BaseModel], pairs: Sequence[str]) -> Any:
    """``model`` built from ``record`` with the ``--set`` changes applied."""
    changes = parse_assignments(pairs)
    if not changes:
        raise ValidationError("nothing to change: give --set field=value", field="set")
    data = {k: v for k, v in record.model_dump().items() if k in model.model_fields}
    unknown = [k for k in changes if k not in model.model_fields]
    if unknown:
        raise ValidationError(
            f"unknown field {unknown[0]!r}; fields: {', '.join(model.model_fields)}", field="set"
        )
    for key, value in changes.items():
        data[key] = value if value != "" else model.model_fields[key].default
    return build(model, data)


def _is_date_field(model: type[BaseModel], name: str) -> bool:
    info = model.model_fields.get(name)
    if info is None:
        return False
    annotation = info.annotation
    return annotation is date or date in get_args(annotation)


def build(model: type[BaseModel], data: dict[str, Any]) -> Any:
    """``model`` from ``data``; date fields also take ROC dates (115/03/04)."""
    for key, value in list(data.items()):
        if isinstance(value, str) and value and _is_date_field(model, key):
            try:
                data[key] = parse_date(value)
            except ValueError as exc:
                raise ValidationError(f"{key}: {exc}", field=key) from None
    try:
        return model.model_validate(data)
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        name = ".".join(str(p) for p in first.get("loc", ())) or "input"
        raise ValidationError(f"{name}: {first.get('msg', 'invalid')}", field=name) from None


def print_rows(
    rows: Sequence[BaseModel],
    columns: Sequence[str],
    *,
    as_json: bool,
    title: str = "",
    cell: Callable[[Any], str] | None = None,
) -> None:
    if as_json:
        runtime.console.print_json(
            json.dumps([r.model_dump(mode="json") for r in rows], ensure_ascii=False)
        )
        return
    table = Table(title=title or None)
    for column in columns:
        table.add_column(column)
    show = cell or (lambda v: "—" if v is None else str(v))
    for row in rows:
        table.add_row(*(show(getattr(row, c, "")) for c in columns))
    runtime.console.print(table)
