"""``brokerguard devices``: company and BYOD mobile devices (A6.1, A6.2) and MDM imports."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from brokerguard.cli import runtime
from brokerguard.devices import service, tables
from brokerguard.devices.registers import DEVICES
from brokerguard.devices.schemas import PROBLEM_LABELS, DeviceIn, Ownership
from brokerguard.errors import NotFoundError, ValidationError
from brokerguard.registerkit.commands import (
    Actor,
    Json,
    Mode,
    Sets,
    add_table_commands,
    apply_sets,
    build,
    default_actor,
    parse_assignments,
    print_rows,
)
from brokerguard.registerkit.files import read_input_file
from brokerguard.registerkit.spec import parse_mode

app = typer.Typer(help="Mobile devices (A6.1 company, A6.2 BYOD): register and MDM compliance.")


@app.command("list")
@runtime.handle_errors
def list_devices(
    ownership: Annotated[str | None, typer.Option("--ownership", help="company or byod")] = None,
    as_json: Json = False,
) -> None:
    """List registered devices."""
    try:
        owner = Ownership(ownership) if ownership else None
    except ValueError:
        raise ValidationError("--ownership must be company or byod", field="ownership") from None
    ctx = runtime.context()
    with ctx.session() as session:
        print_rows(
            service.list_devices(session, ownership=owner),
            (
                "device_id",
                "ownership",
                "holder",
                "unit",
                "device_type",
                "os",
                "os_version",
                "policy_ack_on",
                "status",
            ),
            as_json=as_json,
            title="Mobile devices",
        )


@app.command("add")
@runtime.handle_errors
def add_device(
    device_id: str,
    ownership: Annotated[str, typer.Option("--ownership", help="company or byod")],
    holder: Annotated[str, typer.Option("--holder")],
    unit: Annotated[str, typer.Option("--unit")],
    device_type: Annotated[str, typer.Option("--type", help="phone tablet laptop other")],
    os_name: Annotated[str, typer.Option("--os", help="ios ipados android windows macos other")],
    sets: Sets = [],  # noqa: B006
    by: Actor = "",
) -> None:
    """Register a device; more fields with --set (os_version=17.5, policy_ack_on=115/03/04)."""
    data: dict[str, object] = {
        "device_id": device_id,
        "ownership": ownership,
        "holder": holder,
        "unit": unit,
        "device_type": device_type,
        "os": os_name,
        **parse_assignments(sets),
    }
    item = build(DeviceIn, data)
    ctx = runtime.context()
    with ctx.session() as session:
        service.register_device(session, ctx.clock, item, actor=by or default_actor())
    runtime.console.print(f"registered {device_id}")


@app.command("edit")
@runtime.handle_errors
def edit_device(device_id: str, sets: Sets = []) -> None:  # noqa: B006
    """Change a device's fields with --set field=value."""
    ctx = runtime.context()
    with ctx.session() as session:
        record = next((d for d in service.list_devices(session) if d.device_id == device_id), None)
        if record is None:
            raise NotFoundError(f"no registered device {device_id!r}", field="device_id")
        service.update_device(session, ctx.clock, record.id, apply_sets(record, DeviceIn, sets))
    runtime.console.print(f"updated {device_id}")


add_table_commands(app, DEVICES)


@app.command("mdm-import")
@runtime.handle_errors
def import_mdm(file: Path, mode: Mode = "all_or_nothing", by: Actor = "") -> None:
    """Import an MDM export (CSV, XLSX or JSON); exit 1 when any device is flagged."""
    content = read_input_file(file)
    ctx = runtime.context()
    with ctx.session() as session:
        summary = tables.import_mdm(
            session,
            ctx.clock,
            content,
            file.name,
            mode=parse_mode(mode),
            actor=by or default_actor(),
            settings=ctx.settings.devices,
        )
    runtime.console.print(
        f"loaded {summary.loaded} of {summary.total}; non-compliant {summary.noncompliant}, "
        f"unregistered {summary.unregistered}"
    )
    for error in summary.errors[:50]:
        runtime.err_console.print(f"  line {error.line}, {error.column}: {error.message}")
    if summary.noncompliant or summary.unregistered:
        raise typer.Exit(runtime.EXIT_FAILED)


@app.command("compliance")
@runtime.handle_errors
def compliance(problems_only: Annotated[bool, typer.Option("--problems-only")] = False) -> None:
    """Every device with what is wrong with it; exit 1 when any device is flagged."""
    ctx = runtime.context()
    with ctx.session() as session:
        rows = service.compliance(session, ctx.clock, ctx.settings.devices)
    flagged = 0
    for row in rows:
        if problems_only and not row.problems:
            continue
        who = row.registered.holder if row.registered else "(unregistered)"
        what = ", ".join(PROBLEM_LABELS[p][1] for p in row.problems) or "compliant"
        runtime.console.print(f"{row.device_id}  {who}  {what}", highlight=False)
        flagged += bool(row.problems)
    if flagged:
        raise typer.Exit(runtime.EXIT_FAILED)
