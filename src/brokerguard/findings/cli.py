"""``brokerguard findings``: findings tracking (缺失改善追蹤) from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from brokerguard.cli import runtime
from brokerguard.clock import today
from brokerguard.errors import ValidationError
from brokerguard.findings import intake, service
from brokerguard.findings.forms import FindingIn
from brokerguard.findings.registers import FINDINGS
from brokerguard.findings.schemas import FindingStatus, Severity
from brokerguard.registerkit.commands import (
    Actor,
    Json,
    add_export_command,
    add_table_commands,
    build,
    default_actor,
    optional_date,
    print_rows,
)
from brokerguard.registerkit.files import read_input_file

app = typer.Typer(help="Findings (缺失改善追蹤): raise, plan, close, import remarks, export.")

COLUMNS = ("id", "requirement_id", "title", "source", "severity", "owner", "due_date", "status")


def _severity(value: str) -> str:
    if value not in {s.value for s in Severity}:
        raise ValidationError(
            f"--severity must be one of {[s.value for s in Severity]}", field="severity"
        )
    return value


@app.command("list")
@runtime.handle_errors
def list_findings(
    status: Annotated[
        str | None, typer.Option("--status", help="open, in_progress, closed")
    ] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="only open findings past due")] = False,
    requirement: Annotated[str | None, typer.Option("--requirement")] = None,
    as_json: Json = False,
) -> None:
    """List findings; --overdue lists the open ones past their due date."""
    try:
        chosen = FindingStatus(status) if status else None
    except ValueError:
        raise ValidationError(
            "--status must be open, in_progress or closed", field="status"
        ) from None
    ctx = runtime.context()
    with ctx.session() as session:
        rows = intake.search_findings(
            session,
            today(ctx.clock),
            status=chosen,
            overdue_only=overdue,
            requirement_id=requirement,
        )
        print_rows(rows, COLUMNS, as_json=as_json, title="Findings")


@app.command("create")
@runtime.handle_errors
def create(
    requirement: Annotated[str, typer.Option("--requirement")],
    title: Annotated[str, typer.Option("--title")],
    source: Annotated[
        str, typer.Option("--source", help="inspection, audit, review, manual")
    ] = "inspection",
    source_ref: Annotated[str, typer.Option("--ref", help="e.g. the remark number")] = "",
    description: Annotated[str, typer.Option("--description")] = "",
    owner: Annotated[str, typer.Option("--owner")] = "",
    due: Annotated[str | None, typer.Option("--due")] = None,
    severity: Annotated[str, typer.Option("--severity")] = "medium",
) -> None:
    """Raise a finding from an inspection remark, an audit or a review gap."""
    item = build(
        FindingIn,
        {
            "requirement_id": requirement,
            "title": title,
            "source": source,
            "source_ref": source_ref,
            "description": description,
            "owner": owner,
            "due_date": optional_date(due, "due"),
            "severity": _severity(severity),
        },
    )
    ctx = runtime.context()
    with ctx.session() as session:
        record = intake.open_from_input(session, ctx.clock, item)
    runtime.console.print(f"finding {record.id}")


@app.command("from-check")
@runtime.handle_errors
def from_check(
    check_id: str,
    requirement: Annotated[str | None, typer.Option("--requirement")] = None,
    owner: Annotated[str, typer.Option("--owner")] = "",
    due: Annotated[str | None, typer.Option("--due")] = None,
    severity: Annotated[str, typer.Option("--severity")] = "medium",
) -> None:
    """Raise a finding for a check that failed in the latest full assessment run."""
    due_date = optional_date(due, "due")
    ctx = runtime.context()
    with ctx.session() as session:
        record = intake.finding_from_check(
            session,
            ctx.clock,
            check_id=check_id,
            requirement_id=requirement,
            owner=owner,
            due_date=due_date,
            severity=_severity(severity),
        )
    runtime.console.print(f"finding {record.id}")


@app.command("plan")
@runtime.handle_errors
def plan(
    finding_id: str,
    text: Annotated[str, typer.Option("--plan")],
    owner: Annotated[str | None, typer.Option("--owner")] = None,
    due: Annotated[str | None, typer.Option("--due")] = None,
) -> None:
    """Record the improvement plan (and owner, due date)."""
    if not text.strip():
        raise ValidationError("--plan is empty", field="plan")
    ctx = runtime.context()
    with ctx.session() as session:
        service.update_plan(
            session,
            finding_id,
            plan=text.strip(),
            owner=owner,
            due_date=optional_date(due, "due"),
        )
    runtime.console.print("planned")


@app.command("close")
@runtime.handle_errors
def close(
    finding_id: str,
    note: Annotated[str, typer.Option("--note")],
    evidence_file: Annotated[Path | None, typer.Option("--evidence-file")] = None,
    evidence_ref: Annotated[
        str | None, typer.Option("--evidence", help="evidence:sha256:<hex>")
    ] = None,
    by: Actor = "",
) -> None:
    """Close a finding with its closing evidence (a file to store, or a stored reference)."""
    actor = by or default_actor()
    ctx = runtime.context()
    with ctx.session() as session:
        clock = ctx.clock
        if evidence_file is not None:
            content = read_input_file(evidence_file, ctx.settings.upload_max_bytes)
            intake.close_with_file(
                session,
                clock,
                ctx.settings,
                finding_id,
                closed_by=actor,
                note=note,
                content=content,
                filename=evidence_file.name,
            )
        else:
            service.close_finding(
                session,
                clock,
                finding_id,
                closed_by=actor,
                note=note,
                closing_evidence=intake.check_evidence_reference(evidence_ref),
            )
    runtime.console.print("closed")


add_table_commands(app, FINDINGS, by_option=False)  # the import: inspection remarks
add_export_command(
    app,
    "export",
    lambda session, fmt: intake.export_findings(session, fmt, today(runtime.clock())),
    "Export every finding to .csv or .xlsx (缺失改善追蹤表).",
)
