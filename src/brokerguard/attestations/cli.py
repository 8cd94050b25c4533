"""``brokerguard attestations``: the attestation register and referenced rulebooks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from brokerguard.attestations.service import (
    ATTESTATIONS,
    MAX_RULEBOOK_BYTES,
    list_rulebooks,
    load_referenced_rulebook,
)
from brokerguard.cli import runtime
from brokerguard.registerkit.cli import add_register_commands
from brokerguard.registerkit.files import read_input_file

app = typer.Typer(
    help="引用規範 / Referenced rules: attestations and rulebooks.", no_args_is_help=True
)
add_register_commands(app, ATTESTATIONS)


@app.command("load-rulebook")
@runtime.handle_errors
def load_rulebook_command(
    file: Path,
    name: Annotated[str, typer.Option(help="e.g. 雲端服務運作安全自律規範")],
    version: Annotated[str, typer.Option(help="e.g. 2025-06")],
    requirement_id: Annotated[str, typer.Option("--requirement", help="A3.1, A3.2, A4.1 or A11.1")],
) -> None:
    """Validate a YAML rulebook and record it as a referenced rulebook."""
    content = read_input_file(file, MAX_RULEBOOK_BYTES)
    ctx = runtime.context()
    with ctx.session() as session:
        row = load_referenced_rulebook(
            session,
            ctx.clock,
            content=content,
            filename=file.name,
            name=name,
            version=version,
            requirement_id=requirement_id,
            loaded_by="cli",
        )
        count = len(row.requirement_ids.split(","))
    runtime.console.print(f"loaded {name} {version}: article {row.article}, {count} requirements")


@app.command("rulebooks")
@runtime.handle_errors
def rulebooks_command() -> None:
    """List the referenced rulebooks."""
    ctx = runtime.context()
    with ctx.session() as session:
        for row in list_rulebooks(session):
            runtime.console.print(
                f"{row.name}\t{row.version}\t{row.requirement_id}\t{row.sha256[:16]}",
                highlight=False,
            )
