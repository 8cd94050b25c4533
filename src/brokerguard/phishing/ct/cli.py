"""``brokerguard phishing ct add-log|poll|logs|import-log-list`` (A8.1)."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

import typer

from brokerguard.cli import runtime
from brokerguard.errors import ValidationError

app = typer.Typer(
    help="憑證透明度日誌監控 / Certificate Transparency log monitor (A8.1).",
    no_args_is_help=True,
)


def _emit(data: Mapping[str, object]) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")


@app.command("add-log")
@runtime.handle_errors
def add_log_command(
    name: Annotated[str, typer.Argument(help="a short name for the log (a-z, 0-9, '.', '-')")],
    url: Annotated[str, typer.Option("--url", help="the log's base URL")],
    public_key: Annotated[Path, typer.Option("--public-key", help="the log's public key (PEM)")],
    start_index: Annotated[
        int | None,
        typer.Option("--start-index", help="first entry to scan (default: current size)"),
    ] = None,
    api: Annotated[
        str, typer.Option("--api", help="rfc6962, or static (c2sp.org/static-ct-api)")
    ] = "rfc6962",
    origin: Annotated[
        str,
        typer.Option(
            "--origin",
            help="static logs: the checkpoint origin (default: the checkpoint's own origin line)",
        ),
    ] = "",
) -> None:
    """Follow a log: its tree head is verified now, scanning starts at --start-index.

    With --api static, URL is the log's monitoring prefix (checkpoint, tiles).
    """
    from brokerguard.phishing.ct.client import RFC6962Client
    from brokerguard.phishing.ct.monitor import add_log, http_client
    from brokerguard.phishing.ct.source import LogSource, LogUnavailableError
    from brokerguard.phishing.ct.static import StaticCTClient

    try:
        pem = public_key.read_bytes()[:65536]
    except OSError as exc:
        raise ValidationError(
            f"cannot read {public_key}: {exc.strerror}", field="public_key"
        ) from None
    if api not in ("rfc6962", "static"):
        raise ValidationError(f"--api {api[:32]!r}: use rfc6962 or static", field="api")
    if origin and api != "static":
        raise ValidationError("--origin applies to --api static only", field="origin")
    if origin and (len(origin) > 512 or any(c.isspace() or c == "+" for c in origin)):
        raise ValidationError("--origin: at most 512 characters, no spaces or '+'", field="origin")
    ctx = runtime.context()
    with http_client() as http, ctx.session() as session:
        client: LogSource = (
            StaticCTClient(url, http, origin=origin)
            if api == "static"
            else RFC6962Client(url, http)
        )
        try:
            record = add_log(
                session,
                ctx.clock,
                name=name,
                url=url,
                public_key_pem=pem,
                client=client,
                start_index=start_index,
            )
        except LogUnavailableError as exc:
            raise ValidationError(f"log {name}: {exc.message}", field="url") from None
        runtime.console.print(
            f"following {record.name} from entry {record.verified_size} (log ID {record.log_id})",
            highlight=False,
        )


@app.command("poll")
@runtime.handle_errors
def poll_command(
    once: Annotated[bool, typer.Option("--once", help="poll every log once and exit")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines")] = False,
    brands: Annotated[
        Path | None, typer.Option("--brands", help="brand YAML file (default: the database)")
    ] = None,
    interval: Annotated[float, typer.Option(help="seconds between polls without --once")] = 60.0,
    max_entries: Annotated[int, typer.Option(help="entries per log per poll")] = 50_000,
) -> None:
    """Fetch every followed log's new entries; one JSON line per newly flagged name.

    Exits 1 if any log failed verification or could not be read.
    """
    from brokerguard.phishing.ct.monitor import http_client, poll_all
    from brokerguard.phishing.scoring import scorer_for

    if max_entries < 1 or interval < 1:
        raise ValidationError("--max-entries and --interval must be positive", field="poll")
    from brokerguard.phishing.cli import _brands

    scorer = scorer_for(_brands(brands))
    ctx = runtime.context()
    failed = False
    with http_client() as http:
        while True:
            for result in poll_all(ctx.session, ctx.clock, scorer, http, max_entries=max_entries):
                for flag in result.flags:
                    if as_json:
                        _emit(flag.as_dict())
                    else:
                        runtime.console.print(
                            f"[red]FLAGGED[/red] {flag.domain} brand={flag.brand or '-'} "
                            f"kind={flag.kind} log={flag.log}#{flag.index}",
                            highlight=False,
                        )
                for entry_error in result.entry_errors:
                    runtime.err_console.print(
                        f"{entry_error['log']}#{entry_error['index']}: {entry_error['error']}",
                        highlight=False,
                    )
                if result.error is not None:
                    failed = True
                    if as_json:
                        _emit({"log": result.log, "error": result.error})
                    else:
                        runtime.err_console.print(
                            f"[red]log {result.log} failed[/red]: {result.error}", highlight=False
                        )
            if once:
                break
            time.sleep(interval)
    if failed:
        raise typer.Exit(1)


@app.command("logs")
@runtime.handle_errors
def logs_command(
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines")] = False,
) -> None:
    """Each followed log with its verified size and last poll."""
    from brokerguard.phishing.ct.monitor import followed_logs

    ctx = runtime.context()
    with ctx.session() as session:
        for log in followed_logs(session):
            row = {
                "log": log.name,
                "url": log.url,
                "api": log.api,
                "origin": log.origin or None,
                "verified_size": log.verified_size,
                "entries_scanned": log.entries_scanned,
                "last_poll": log.last_poll_at.isoformat() if log.last_poll_at else None,
                "error": log.last_error or None,
            }
            if as_json:
                _emit(row)
            else:
                runtime.console.print(
                    f"{log.name}\t{log.verified_size}\t{row['last_poll'] or '-'}\t"
                    f"{log.last_error or 'ok'}",
                    highlight=False,
                )


@app.command("import-log-list")
@runtime.handle_errors
def import_log_list_command(
    path: Annotated[Path, typer.Argument(help="log list JSON (Google v3 format)")],
) -> None:
    """Follow the usable, qualified and read-only logs of a log list (from their current size)."""
    from sqlalchemy import select

    from brokerguard.phishing.ct.loglist import read_log_list
    from brokerguard.phishing.ct.verify import key_pem, load_log_key
    from brokerguard.phishing.models import CTLog

    listed, skipped = read_log_list(path)
    for refused in skipped:
        runtime.err_console.print(
            f"skipped {refused.description}: {refused.reason}", highlight=False
        )
    ctx = runtime.context()
    clock = ctx.clock
    added = 0
    with ctx.session() as session:
        for log in listed:
            if session.scalar(select(CTLog.id).where(CTLog.name == log.name)) is not None:
                runtime.err_console.print(f"already followed: {log.name}", highlight=False)
                continue
            key, log_id = load_log_key(log.key_der_b64.encode("ascii"))
            session.add(
                CTLog(
                    name=log.name,
                    url=log.url,
                    api=log.api,
                    origin=log.origin,
                    public_key=key_pem(key),
                    log_id=log_id,
                    verified_size=0,
                    verified_root="",
                    frontier="[]",
                    entries_scanned=0,
                    last_error="",
                    created_at=clock.now(),
                )
            )
            added += 1
            runtime.console.print(f"following {log.name} ({log.state}) {log.url}", highlight=False)
    runtime.console.print(f"{added} logs added, {len(skipped)} skipped", highlight=False)
