"""``brokerguard iot``: the IoT register (Art. 7) from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from brokerguard.cli import runtime
from brokerguard.clock import today
from brokerguard.errors import ValidationError
from brokerguard.iot import scans, service, tables
from brokerguard.iot.registers import ASSETS, EXCEPTIONS, VENDORS
from brokerguard.iot.schemas import (
    AssessmentIn,
    AssetIn,
    AssetStatus,
    DeviceType,
    ExceptionIn,
    VendorIn,
)
from brokerguard.registerkit.commands import (
    Actor,
    Json,
    Sets,
    add_export_command,
    add_import_command,
    add_table_commands,
    apply_sets,
    build,
    default_actor,
    optional_date,
    parse_assignments,
    print_rows,
)
from brokerguard.registerkit.files import read_input_file
from brokerguard.tabular import parse_bool

app = typer.Typer(help="IoT devices (Art. 7): register, assessments, vendors, exceptions, scans.")


def _flag(value: str | None, field: str) -> bool | None:
    if value is None or value.strip().lower() in ("", "n/a", "na"):
        return None
    try:
        return parse_bool(value)
    except ValueError as exc:
        raise ValidationError(str(exc), field=field) from None


@app.command("list")
@runtime.handle_errors
def list_assets(
    device_type: Annotated[str | None, typer.Option("--type")] = None,
    status: Annotated[str | None, typer.Option("--status")] = None,
    as_json: Json = False,
) -> None:
    """List registered IoT devices."""
    try:
        kind = DeviceType(device_type) if device_type else None
        state = AssetStatus(status) if status else None
    except ValueError as exc:
        raise ValidationError(str(exc), field="type" if device_type else "status") from None
    ctx = runtime.context()
    with ctx.session() as session:
        rows = service.list_assets(session, status=state, device_type=kind)
        print_rows(
            rows,
            (
                "asset_tag",
                "name",
                "device_type",
                "location",
                "network_segment",
                "ip_address",
                "vendor",
                "firmware_version",
                "security_label",
                "status",
            ),
            as_json=as_json,
            title="IoT devices",
        )


@app.command("add")
@runtime.handle_errors
def add_asset(
    asset_tag: str,
    name: str,
    device_type: Annotated[
        str, typer.Option("--type", help="dvr pbx fax recorder copier cctv sensor other")
    ],
    sets: Sets = [],  # noqa: B006
    by: Actor = "",
) -> None:
    """Register a device; further fields with --set (location=..., vendor=..., ...)."""
    data: dict[str, object] = {"asset_tag": asset_tag, "name": name, "device_type": device_type}
    data.update(parse_assignments(sets))
    item = build(AssetIn, data)
    ctx = runtime.context()
    with ctx.session() as session:
        record = service.create_asset(session, ctx.clock, item, actor=by or default_actor())
        runtime.console.print(f"registered {record.asset_tag} ({record.id})")


@app.command("edit")
@runtime.handle_errors
def edit_asset(asset_tag: str, sets: Sets = []) -> None:  # noqa: B006
    """Change a device's fields: --set firmware_version=5.7.3 --set location=機房."""
    ctx = runtime.context()
    with ctx.session() as session:
        record = service.get_asset_by_tag(session, asset_tag)
        item = apply_sets(record, AssetIn, sets)
        service.update_asset(session, ctx.clock, record.id, item)
        runtime.console.print(f"updated {item.asset_tag}")


add_table_commands(app, ASSETS)


# --- vendors --------------------------------------------------------------------------------


@app.command("vendors")
@runtime.handle_errors
def list_vendors(as_json: Json = False) -> None:
    """List vendors (A7.1.5)."""
    ctx = runtime.context()
    with ctx.session() as session:
        print_rows(
            service.list_vendors(session),
            ("name", "contact", "contract_ref", "security_clauses", "support_end"),
            as_json=as_json,
            title="IoT vendors",
        )


@app.command("vendor-add")
@runtime.handle_errors
def add_vendor(name: str, sets: Sets = []) -> None:  # noqa: B006
    """Register a vendor: --set security_clauses=yes --set support_end=2028-12-31."""
    item = build(VendorIn, {"name": name, **parse_assignments(sets)})
    ctx = runtime.context()
    with ctx.session() as session:
        service.create_vendor(session, ctx.clock, item)
    runtime.console.print(f"registered vendor {name}")


@app.command("vendor-edit")
@runtime.handle_errors
def edit_vendor(name: str, sets: Sets = []) -> None:  # noqa: B006
    """Change a vendor's fields with --set."""
    ctx = runtime.context()
    with ctx.session() as session:
        record = next((v for v in service.list_vendors(session) if v.name == name), None)
        if record is None:
            raise ValidationError(f"no vendor named {name!r}", field="name")
        service.update_vendor(session, ctx.clock, record.id, apply_sets(record, VendorIn, sets))
    runtime.console.print(f"updated vendor {name}")


add_table_commands(app, VENDORS, prefix="vendor-", by_option=False)


# --- assessments ----------------------------------------------------------------------------


@app.command("assess")
@runtime.handle_errors
def assess(
    asset_tag: str,
    assessor: Annotated[str, typer.Option("--assessor")],
    network_isolated: Annotated[str, typer.Option("--network-isolated", help="yes/no")],
    remote_access_controlled: Annotated[str, typer.Option("--remote-access-controlled")],
    default_credentials_changed: Annotated[
        str | None, typer.Option("--default-credentials-changed")
    ] = None,
    firmware_current: Annotated[str | None, typer.Option("--firmware-current")] = None,
    permissions_restricted: Annotated[str | None, typer.Option("--permissions-restricted")] = None,
    assessed_on: Annotated[str | None, typer.Option("--on", help="date (default today)")] = None,
    next_due: Annotated[str | None, typer.Option("--next-due")] = None,
    notes: Annotated[str, typer.Option("--notes")] = "",
) -> None:
    """Record an assessment of one device (A7.1.1-A7.1.4; sensors: A7.1.7)."""
    ctx = runtime.context()
    clock = ctx.clock
    item = build(
        AssessmentIn,
        {
            "asset_tag": asset_tag,
            "assessed_on": optional_date(assessed_on, "on") or today(clock),
            "assessor": assessor,
            "network_isolated": _flag(network_isolated, "network_isolated"),
            "remote_access_controlled": _flag(remote_access_controlled, "remote_access_controlled"),
            "default_credentials_changed": _flag(
                default_credentials_changed, "default_credentials_changed"
            ),
            "firmware_current": _flag(firmware_current, "firmware_current"),
            "permissions_restricted": _flag(permissions_restricted, "permissions_restricted"),
            "next_due": optional_date(next_due, "next_due"),
            "notes": notes,
        },
    )
    with ctx.session() as session:
        record = service.record_assessment(session, clock, item, settings=ctx.settings.iot)
    runtime.console.print(f"recorded; next assessment due {record.next_due}")


@app.command("assessments")
@runtime.handle_errors
def list_assessments(as_json: Json = False) -> None:
    """List assessments, newest first."""
    ctx = runtime.context()
    with ctx.session() as session:
        print_rows(
            service.list_assessments(session),
            (
                "asset_id",
                "assessed_on",
                "assessor",
                "firmware_current",
                "network_isolated",
                "next_due",
            ),
            as_json=as_json,
            title="IoT assessments",
        )


add_import_command(
    app,
    "assessment-import",
    lambda session, clock, content, name, mode, actor: tables.import_assessments(
        session, clock, content, name, mode=mode, settings=runtime.settings().iot
    ),
    "Import assessments from CSV/XLSX.",
    by_option=False,
)
add_export_command(
    app, "assessment-export", tables.export_assessments, "Export assessments to .csv or .xlsx."
)


# --- exceptions -----------------------------------------------------------------------------


@app.command("exception-request")
@runtime.handle_errors
def request_exception(
    asset_tag: str,
    control: Annotated[str, typer.Option("--control", help="A7.1.2, A7.1.3, A7.1.4 or A7.1.5")],
    reason: Annotated[str, typer.Option("--reason")],
    compensating: Annotated[str, typer.Option("--compensating-controls")],
    expires_on: Annotated[str, typer.Option("--expires-on")],
    by: Actor = "",
) -> None:
    """Request an exception (A7.1.6); someone else approves it."""
    item = build(
        ExceptionIn,
        {
            "asset_tag": asset_tag,
            "control": control,
            "reason": reason,
            "compensating_controls": compensating,
            "expires_on": optional_date(expires_on, "expires_on"),
        },
    )
    ctx = runtime.context()
    with ctx.session() as session:
        record = service.request_exception(
            session,
            ctx.clock,
            item,
            requested_by=by or default_actor(),
            settings=ctx.settings.iot,
        )
    runtime.console.print(f"requested exception {record.id}")


@app.command("exception-decide")
@runtime.handle_errors
def decide_exception(
    exception_id: str,
    decision: Annotated[str, typer.Option("--decision", help="approve, reject or close")],
    approver: Annotated[str, typer.Option("--approver")] = "",
) -> None:
    """Approve or reject (not your own request), or close an exception."""
    ctx = runtime.context()
    with ctx.session() as session:
        if decision == "close":
            record = service.close_exception(session, exception_id)
        elif decision in ("approve", "reject"):
            record = service.decide_exception(
                session,
                ctx.clock,
                exception_id,
                approver=approver or default_actor(),
                approve=decision == "approve",
            )
        else:
            raise ValidationError("--decision must be approve, reject or close", field="decision")
    runtime.console.print(f"exception {record.id} is {record.status.value}")


@app.command("exceptions")
@runtime.handle_errors
def list_exceptions(as_json: Json = False) -> None:
    """List exceptions with status and expiry."""
    ctx = runtime.context()
    with ctx.session() as session:
        print_rows(
            service.list_exceptions(session),
            ("id", "asset_id", "control", "status", "requested_by", "approver", "expires_on"),
            as_json=as_json,
            title="IoT exceptions",
        )


add_table_commands(app, EXCEPTIONS, prefix="exception-")  # export only: no import


# --- scans ----------------------------------------------------------------------------------


@app.command("scan-import")
@runtime.handle_errors
def import_scan(file: Path, by: Actor = "") -> None:
    """Import an nmap XML scan (nmap -oX) and list hosts the register does not know."""
    ctx = runtime.context()
    config = ctx.settings.iot
    content = read_input_file(file, config.nmap_max_bytes)
    with ctx.session() as session:
        record = scans.import_scan(
            session,
            ctx.clock,
            content,
            filename=file.name,
            imported_by=by or default_actor(),
            settings=config,
        )
        hosts = scans.open_unregistered(session, record.id)
    runtime.console.print(f"{record.hosts_up} hosts up, {record.unregistered} unregistered")
    for host in hosts[:200]:
        runtime.console.print(
            f"  {host.ip_address}  {host.mac or '-'}  {host.mac_vendor}  {host.open_ports}"
        )
    if record.unregistered:
        raise typer.Exit(runtime.EXIT_FAILED)


@app.command("scan-dismiss")
@runtime.handle_errors
def dismiss_host(host_id: str, reason: Annotated[str, typer.Option("--reason")]) -> None:
    """Explain why an unregistered host is not an IoT device."""
    ctx = runtime.context()
    with ctx.session() as session:
        scans.dismiss_host(session, host_id, reason=reason)
    runtime.console.print("dismissed")
