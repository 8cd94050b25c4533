"""``brokerguard notify``: channels, routes, a test send, the outbox."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from brokerguard.cli import runtime
from brokerguard.clock import to_taipei
from brokerguard.errors import ValidationError
from brokerguard.notify import service
from brokerguard.notify.delivery import outbox_for
from brokerguard.notify.secrets import secret_box
from brokerguard.registerkit.commands import Json, default_actor

app = typer.Typer(
    help="通知 Notifications: channels (e-mail, webhook, syslog/CEF), routes, the outbox.",
    no_args_is_help=True,
)
route_app = typer.Typer(help="Which kinds of notice go to which channel.", no_args_is_help=True)
app.add_typer(route_app, name="route")


@app.command("add-channel")
@runtime.handle_errors
def add_channel(
    name: str,
    webhook: Annotated[str | None, typer.Option("--webhook", help="http(s) URL")] = None,
    email: Annotated[str | None, typer.Option("--email", help="recipient address")] = None,
    syslog: Annotated[str | None, typer.Option("--syslog", help="HOST:PORT of the SIEM")] = None,
    format_: Annotated[
        str, typer.Option("--format", help="webhook body: json, teams, slack")
    ] = "json",
    transport: Annotated[str, typer.Option("--transport", help="syslog: tcp or udp")] = "tcp",
    secret_stdin: Annotated[
        bool,
        typer.Option("--secret-stdin", help="read the webhook's HMAC-SHA256 key from stdin"),
    ] = False,
) -> None:
    """Add a channel: exactly one of --webhook, --email, --syslog."""
    given = [(t, v) for t, v in (("webhook", webhook), ("email", email), ("syslog", syslog)) if v]
    if len(given) != 1:
        raise ValidationError("give exactly one of --webhook, --email, --syslog", field="target")
    type_, target = given[0]
    secret = runtime.read_secret_stdin("secret") if secret_stdin else ""
    ctx = runtime.context()
    with ctx.session() as session:
        channel = service.add_channel(
            session,
            ctx.clock,
            secret_box(ctx.settings.data_dir),
            name=name,
            type_=type_,
            target=target or "",
            format_=transport if type_ == "syslog" else format_,
            secret=secret,
            by=default_actor(),
        )
        runtime.console.print(
            f"added channel {channel.name} ({channel.type} {channel.target})", highlight=False
        )


@app.command("remove-channel")
@runtime.handle_errors
def remove_channel(name: str) -> None:
    """Remove a channel and its routes (its delivery history is kept)."""
    ctx = runtime.context()
    with ctx.session() as session:
        service.remove_channel(session, name)
    runtime.console.print(f"removed channel {name}", highlight=False)


@app.command("channels")
@runtime.handle_errors
def channels(as_json: Json = False) -> None:
    """List channels with their routes and delivery counts."""
    ctx = runtime.context()
    with ctx.session() as session:
        rows = service.list_channels(session)
    for row in rows:
        if as_json:
            typer.echo(json.dumps(row.__dict__, ensure_ascii=False))
        else:
            runtime.console.print(
                f"{row.name}\t{row.type}\t{row.target}\t{row.format}\troutes: {row.routes or '-'}"
                f"\tpending {row.pending}, delivered {row.delivered}, given up {row.dead}",
                highlight=False,
            )


@route_app.command("add")
@runtime.handle_errors
def route_add(
    channel: Annotated[str, typer.Option("--channel")],
    kind: Annotated[str, typer.Option("--kind", help="a notice kind, or '*' for all")],
    min_severity: Annotated[
        str, typer.Option("--min-severity", help="low, medium, high, critical")
    ] = "low",
) -> None:
    """Send notices of KIND at or above --min-severity to CHANNEL."""
    ctx = runtime.context()
    with ctx.session() as session:
        route = service.add_route(
            session, ctx.clock, channel=channel, kind=kind, min_severity=min_severity
        )
        runtime.console.print(
            f"route: {route.kind} ≥ {route.min_severity} → {channel}", highlight=False
        )


@app.command("test")
@runtime.handle_errors
def test(name: str) -> None:
    """Send a test notice to channel NAME now; exit 1 when it was not delivered."""
    ctx = runtime.context()
    with ctx.session() as session:
        delivery_id = service.queue_test(session, ctx.clock, name)
    outbox = outbox_for(ctx.settings, ctx.session_factory, ctx.clock)
    report = outbox.send(outbox.claim(1, only=[delivery_id]))
    if report.sent == 1:
        runtime.console.print(f"delivered to {name}", highlight=False)
        return
    with ctx.session() as session:
        views = [
            d
            for n in service.recent_notices(session, 20)
            for d in n.deliveries
            if d.channel == name
        ]
    error = views[0].last_error if views else "not sent"
    runtime.err_console.print(f"not delivered to {name}: {error}", highlight=False)
    raise typer.Exit(runtime.EXIT_FAILED)


@app.command("deliver")
@runtime.handle_errors
def deliver() -> None:
    """Send every delivery that is due now (the worker does this on its own)."""
    ctx = runtime.context()
    outbox = outbox_for(ctx.settings, ctx.session_factory, ctx.clock)
    report = outbox.deliver_due()
    runtime.console.print(
        f"sent {report.sent}, failed {report.failed} (given up {report.given_up})",
        highlight=False,
    )


@app.command("outbox")
@runtime.handle_errors
def outbox(
    limit: Annotated[int, typer.Option("--limit", min=1, max=10_000)] = 50,
    as_json: Json = False,
) -> None:
    """The latest notices with each channel's delivery status and attempts."""
    ctx = runtime.context()
    with ctx.session() as session:
        views = service.recent_notices(session, limit)
    for view in views:
        n = view.notice
        if as_json:
            typer.echo(
                json.dumps(
                    {
                        "id": n.id,
                        "kind": n.kind,
                        "severity": n.severity,
                        "title_zh": n.title_zh,
                        "title_en": n.title_en,
                        "queued_at": n.queued_at.isoformat(),
                        "status": view.status,
                        "deliveries": [
                            {
                                "channel": d.channel,
                                "status": d.status,
                                "attempts": d.attempts,
                                "last_error": d.last_error,
                            }
                            for d in view.deliveries
                        ],
                    },
                    ensure_ascii=False,
                )
            )
            continue
        when = to_taipei(n.queued_at).strftime("%Y-%m-%d %H:%M")
        runtime.console.print(
            f"{when}\t{n.severity}\t{n.kind}\t{n.title_zh}\t{view.status}", highlight=False
        )
        for d in view.deliveries:
            runtime.console.print(
                f"    → {d.channel}: {d.status}, {d.attempts} attempt(s) {d.last_error}",
                highlight=False,
            )
