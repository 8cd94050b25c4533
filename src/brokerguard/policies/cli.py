"""``brokerguard policies``: the policy register from the command line."""

from __future__ import annotations

from pathlib import Path

import typer

from brokerguard.cli import runtime
from brokerguard.policies.service import attach_document, list_policies
from brokerguard.registerkit.commands import default_actor
from brokerguard.registerkit.files import read_input_file

app = typer.Typer(help="規範文件 / Policies: the policy register.", no_args_is_help=True)


@app.command("list")
@runtime.handle_errors
def list_command() -> None:
    """Every policy: ID, status, version, document (evidence ID or '-'), title."""
    ctx = runtime.context()
    with ctx.session() as session:
        for policy in list_policies(session):
            typer.echo(  # tab-separated, unwrapped: for people and scripts alike
                f"{policy.id}\t{policy.status.value}\t{policy.version}\t"
                f"{policy.document_evidence_id or '-'}\t{policy.title}"
            )


@app.command("attach-document")
@runtime.handle_errors
def attach_document_command(policy_id: str, file: Path) -> None:
    """Store FILE in the evidence store as the policy's own document and attach it."""
    ctx = runtime.context()
    settings = ctx.settings
    content = read_input_file(file, settings.upload_max_bytes)
    with ctx.session() as session:
        policy = attach_document(
            session,
            ctx.clock,
            settings,
            policy_id[:64],
            content=content,
            filename=file.name,
            uploaded_by=default_actor(),
        )
    runtime.console.print(
        f"attached {file.name} to {policy.title} v{policy.version}: "
        f"evidence {policy.document_evidence_id}",
        highlight=False,
        markup=False,
    )
