"""``brokerguard detect ...``: run the login rules, reports, alert workflow (A9.3)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from brokerguard.cli import runtime
from brokerguard.detect import reports, service
from brokerguard.detect.rules import load_rules

app = typer.Typer(
    help="登入監控 / A9.3 login monitoring: rules, alerts, analysis reports.",
    no_args_is_help=True,
)


@app.command("run")
@runtime.handle_errors
def run_command(
    rules_dir: Annotated[Path | None, typer.Option("--rules-dir")] = None,
    json_output: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Evaluate the rules over the login events recorded since the last run."""
    ctx = runtime.context()
    settings = ctx.settings.detect
    if rules_dir is not None:
        settings = settings.model_copy(update={"rules_dir": rules_dir})
    with ctx.session() as session:
        summary = service.run_detection(session, ctx.clock, settings)
    if json_output:
        typer.echo(json.dumps(summary.__dict__))
        return
    typer.echo(
        f"analysed {summary.events_seen} login events (seq {summary.from_seq}..{summary.to_seq}): "
        f"{summary.alerts_raised} new alerts, {summary.alerts_updated} updated"
    )


@app.command("rules")
@runtime.handle_errors
def rules_command(rules_dir: Annotated[Path | None, typer.Option("--rules-dir")] = None) -> None:
    """Validate and list the rules (the packaged ones, or those in --rules-dir)."""
    if rules_dir is not None and not rules_dir.is_dir():
        from brokerguard.errors import NotFoundError

        raise NotFoundError(f"no such folder: {rules_dir}", field="rules_dir")
    for rule in load_rules(rules_dir):
        typer.echo(f"{rule.id}\t{rule.severity}\t{rule.kind}\t{rule.title_zh} / {rule.title_en}")


@app.command("report")
@runtime.handle_errors
def report_command(
    kind: Annotated[str, typer.Option("--kind", help="daily or monthly")] = "daily",
    period: Annotated[
        str | None, typer.Option("--period", help="YYYY-MM-DD or YYYY-MM; default: the last")
    ] = None,
) -> None:
    """Build the daily or monthly analysis report and keep it as A9.3 evidence."""
    ctx = runtime.context()
    with ctx.session() as session:
        report = reports.generate_report(session, ctx.clock, ctx.settings, kind=kind, period=period)
        typer.echo(f"{report.kind} report {report.period} stored as {report.evidence_ref}")


@app.command("alerts")
@runtime.handle_errors
def alerts_command(status: Annotated[str | None, typer.Option("--status")] = None) -> None:
    """List alerts (new / triaged / closed)."""
    ctx = runtime.context()
    with ctx.session() as session:
        for alert in service.list_alerts(session, status=status):
            typer.echo(
                f"{alert.id}\t{alert.status}\t{alert.severity}\t{alert.rule_id}\t"
                f"{alert.group_key}\t{alert.event_count}"
            )


@app.command("triage")
@runtime.handle_errors
def triage_command(
    alert_id: str,
    by: Annotated[str, typer.Option("--by")],
    note: Annotated[str, typer.Option("--note")] = "",
) -> None:
    """Mark an alert triaged (初判)."""
    ctx = runtime.context()
    with ctx.session() as session:
        service.triage(session, ctx.clock, alert_id, by, note)
    typer.echo(f"triaged {alert_id}")


@app.command("close")
@runtime.handle_errors
def close_command(
    alert_id: str,
    reason: Annotated[
        str, typer.Option("--reason", help="false_positive, resolved, duplicate, accepted_risk")
    ],
    by: Annotated[str, typer.Option("--by")],
    note: Annotated[str, typer.Option("--note")] = "",
) -> None:
    """Close an alert with a reason."""
    ctx = runtime.context()
    with ctx.session() as session:
        service.close(session, ctx.clock, alert_id, by, reason, note)
    typer.echo(f"closed {alert_id}")


@app.command("stream")
@runtime.handle_errors
def stream_command(
    until_drained: Annotated[
        bool, typer.Option("--until-drained", help="stop when no message is left")
    ] = False,
    crash_after_commit: Annotated[
        int | None, typer.Option("--crash-after-commit", hidden=True, min=1)
    ] = None,
) -> None:
    """Consume login events from NATS JetStream and run the rules on each as it arrives
    (what ``brokerguard worker`` runs when BROKERGUARD_NATS_URL is set)."""
    import asyncio
    import threading

    from brokerguard.detect.stream import LoginStream, consume
    from brokerguard.errors import ConfigurationError
    from brokerguard.worker.child import RunContext

    settings = runtime.settings()
    if not settings.nats_url:
        raise ConfigurationError("set BROKERGUARD_NATS_URL to consume login events")
    ctx = runtime.context()
    context = RunContext(ctx.settings, ctx.clock, ctx.session_factory)
    stats = asyncio.run(
        consume(
            LoginStream.from_settings(settings),
            context,
            threading.Event(),
            until_drained=until_drained,
            crash_after_commit=crash_after_commit,
        )
    )
    typer.echo(
        f"messages {stats.messages}, stored {stats.stored}, duplicates {stats.duplicates}, "
        f"refused {stats.rejected}, new alerts {stats.alerts}"
    )
