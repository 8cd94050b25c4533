"""``brokerguard audit ...``: ingest, seal, verify, proofs, keys, retention, search.

Exit codes: 0 success; 1 verification failed; 2 bad input.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, TextIO

import typer
from sqlalchemy.orm import Session

from brokerguard.audit import service
from brokerguard.audit.buffer import (
    DEFAULT_DURABLE,
    DEFAULT_STREAM,
    DEFAULT_SUBJECT,
    BufferConfig,
    publish,
    run_worker,
)
from brokerguard.audit.signing import HeadVerifier
from brokerguard.cli import runtime
from brokerguard.clock import TAIPEI, parse_date
from brokerguard.errors import NotFoundError, ValidationError

app = typer.Typer(
    help="稽核軌跡 / A9.9 tamper-evident audit trail: ingest, seal, verify, proofs.",
    no_args_is_help=True,
)
proof_app = typer.Typer(help="Inclusion and consistency proofs.", no_args_is_help=True)
app.add_typer(proof_app, name="proof")


def _print_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, sort_keys=True) + "\n")


def _open_lines(path: str) -> TextIO:
    if path == "-":
        return sys.stdin
    file = Path(path)
    if not file.is_file():
        raise NotFoundError(f"no such file: {path}", field="file")
    return file.open(encoding="utf-8", errors="strict", newline="")


@app.command("ingest")
@runtime.handle_errors
def ingest_command(
    file: Annotated[str, typer.Argument(help="JSON-lines file of events, '-' for stdin")],
    json_output: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Append the events of a JSON-lines file; prints how many were accepted and rejected."""
    handle = _open_lines(file)
    try:
        try:
            ctx = runtime.context()
            result = service.ingest_file(ctx.session_factory, ctx.clock, handle)
        except UnicodeDecodeError as error:
            raise ValidationError(f"the file is not UTF-8: {error}", field="file") from None
    finally:
        if handle is not sys.stdin:
            handle.close()
    if json_output:
        _print_json(result.to_dict())
    else:
        typer.echo(f"accepted {result.accepted}, rejected {result.rejected_count}")
        for rejection in result.rejected[:50]:
            typer.echo(
                f"line {rejection.index + 1}: {rejection.field or 'event'}: {rejection.reason}",
                err=True,
            )
    if result.rejected_count and result.accepted == 0:
        raise typer.Exit(runtime.EXIT_BAD_INPUT)


@app.command("seal")
@runtime.handle_errors
def seal_command(
    json_output: Annotated[bool, typer.Option("--json")] = False,
    every: Annotated[
        float | None, typer.Option("--every", min=0, help="keep sealing every N seconds")
    ] = None,
    rounds: Annotated[int | None, typer.Option("--rounds", min=1, hidden=True)] = None,
) -> None:
    """Close the open batch and sign its tree head (one head per month of events)."""
    done = 0
    ctx = runtime.context()
    while every is not None:
        created = service.seal_and_commit(ctx.session_factory, ctx.clock, ctx.settings)
        for head in created:
            typer.echo(f"sealed [{head.first_seq}, {head.tree_size}) root {head.root}")
        done += 1
        if rounds is not None and done >= rounds:
            return
        time.sleep(every)
    created = service.seal_and_commit(ctx.session_factory, ctx.clock, ctx.settings)
    if json_output:
        _print_json({"sealed": [h.to_dict() for h in created]})
        return
    if not created:
        runtime.console.print("nothing to seal")
    for head in created:
        runtime.console.print(
            f"sealed [{head.first_seq}, {head.tree_size}) root {head.root} ({head.period})"
        )


def _position(session: Session, text: str | None, option: str, *, end: bool) -> int | None:
    """A sequence number, or the first one recorded from a date or time onwards.

    ``--from``/``--to`` take a sequence number (``--to`` is the first one left out), a
    date (ISO 2026-11-01 or ROC 115/11/01, Taiwan time; ``--to`` includes that day) or
    an RFC 3339 time (2026-11-01T09:00:00+08:00).
    """
    if text is None:
        return None
    raw = text.strip()
    if raw.isdigit():
        return int(raw)
    try:
        when = datetime.fromisoformat(raw) if "T" in raw or " " in raw else None
        if when is None:
            day = parse_date(raw) + timedelta(days=1 if end else 0)
            when = datetime.combine(day, datetime.min.time(), TAIPEI)
        elif when.tzinfo is None:
            raise ValueError("a time needs its UTC offset, e.g. +08:00")
    except ValueError as error:
        raise ValidationError(
            f"{option} {text!r} is neither a sequence number, a date nor a time: {error}",
            field=option.lstrip("-"),
        ) from None
    return service.first_seq_at(session, when)


def _range_note(from_seq: int | None, to_seq: int | None) -> str:
    if from_seq is None and to_seq is None:
        return ""
    first = from_seq if from_seq is not None else 0
    return f" (sequence numbers from {first}" + (f" up to {to_seq})" if to_seq is not None else ")")


@app.command("verify")
@runtime.handle_errors
def verify_command(
    from_at: Annotated[
        str | None,
        typer.Option("--from", help="first sequence number, or a date/time (Taiwan time)"),
    ] = None,
    to_at: Annotated[
        str | None,
        typer.Option("--to", help="end sequence number (left out), or a last date / a time"),
    ] = None,
    public_key: Annotated[
        Path | None, typer.Option("--public-key", help="PEM file of the head-signing key")
    ] = None,
    json_output: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Re-hash every record and check every signed head; exit 1 naming the first bad seq."""
    verifier = None
    if public_key is not None:
        if not public_key.is_file():
            raise NotFoundError(f"no such file: {public_key}", field="public_key")
        verifier = HeadVerifier.from_pem(public_key.read_bytes()[:65536])
    ctx = runtime.context()
    with ctx.session() as session:
        from_seq = _position(session, from_at, "--from", end=False)
        to_seq = _position(session, to_at, "--to", end=True)
        report = service.verify(
            session,
            ctx.settings,
            from_seq=from_seq,
            to_seq=to_seq,
            verifier=verifier,
            now=ctx.clock.now(),
        )
    if json_output:
        _print_json({**report.to_dict(), "from_seq": from_seq, "to_seq": to_seq})
    elif report.ok:
        runtime.console.print(
            f"OK: {report.events_checked} records, {report.heads_checked} tree heads verified"
            + _range_note(from_seq, to_seq)
        )
    else:
        typer.echo(
            f"FAILED at sequence number {report.first_bad_seq}: {report.problem}: {report.message}"
        )
    if report.unsealed_events and not json_output:
        typer.echo(
            f"unsealed tail: {report.unsealed_events} records after tree size "
            f"{report.sealed_size}, the oldest waiting {report.unsealed_age_s} s "
            "(not yet covered by a signed head; run `brokerguard audit seal`)"
        )
    raise typer.Exit(0 if report.ok else runtime.EXIT_FAILED)


@proof_app.command("inclusion")
@runtime.handle_errors
def proof_inclusion(
    seq: int,
    tree_size: Annotated[int | None, typer.Option("--tree-size")] = None,
) -> None:
    """Inclusion proof of record SEQ in a signed tree (JSON, base64 hashes)."""
    ctx = runtime.context()
    with ctx.session() as session:
        _print_json(service.inclusion_proof(session, seq, tree_size))


@proof_app.command("consistency")
@runtime.handle_errors
def proof_consistency(size1: int, size2: Annotated[int | None, typer.Argument()] = None) -> None:
    """Consistency proof between two signed tree sizes (default: the newest)."""
    ctx = runtime.context()
    with ctx.session() as session:
        _print_json(service.consistency_proof(session, size1, size2))


@app.command("public-key")
@runtime.handle_errors
def public_key_command() -> None:
    """Print the Ed25519 public key (PEM) that verifies the tree heads."""
    sys.stdout.write(service.public_key_pem(runtime.settings()))


hold_app = typer.Typer(help="Legal holds (法律保全): months that must not be purged.")
app.add_typer(hold_app, name="hold")


@hold_app.command("add")
@runtime.handle_errors
def hold_add(
    period_from: Annotated[str, typer.Option("--from", help="YYYY-MM")],
    period_to: Annotated[str, typer.Option("--to", help="YYYY-MM")],
    reason: Annotated[str, typer.Option("--reason")],
    by: Annotated[str, typer.Option("--by", help="who places the hold")] = "cli",
) -> None:
    """Place a legal hold on the months FROM..TO."""
    from brokerguard.audit import retention

    ctx = runtime.context()
    with ctx.session() as session:
        hold = retention.add_hold(
            session,
            ctx.clock,
            period_from=period_from,
            period_to=period_to,
            reason=reason,
            created_by=by,
        )
        hold_id = hold.id
    typer.echo(f"legal hold {hold_id} on {period_from}..{period_to}")


@hold_app.command("release")
@runtime.handle_errors
def hold_release(hold_id: str, by: Annotated[str, typer.Option("--by")] = "cli") -> None:
    """Release a legal hold."""
    from brokerguard.audit import retention

    ctx = runtime.context()
    with ctx.session() as session:
        retention.release_hold(session, ctx.clock, hold_id, by)
    typer.echo(f"released {hold_id}")


@hold_app.command("list")
@runtime.handle_errors
def hold_list() -> None:
    """List the active legal holds."""
    from brokerguard.audit import retention

    ctx = runtime.context()
    with ctx.session() as session:
        for hold in retention.active_holds(session):
            typer.echo(f"{hold.id}\t{hold.period_from}..{hold.period_to}\t{hold.reason}")


@app.command("purge")
@runtime.handle_errors
def purge_command(
    by: Annotated[str, typer.Option("--by", help="who runs the purge")] = "cli",
    dry_run: Annotated[bool, typer.Option("--dry-run")] = False,
    json_output: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Purge whole closed months older than the retention (at least 5 years), audited."""
    from brokerguard.audit import retention

    ctx = runtime.context()
    with ctx.session() as session:
        done = retention.purge(
            session,
            ctx.clock,
            ctx.settings.audit,
            service.signer(ctx.settings).verifier,
            purged_by=by,
            dry_run=dry_run,
        )
    if done and not dry_run:
        service.seal_and_commit(ctx.session_factory, ctx.clock, ctx.settings)
    if json_output:
        _print_json({"dry_run": dry_run, "purged": done})
        return
    if not done:
        typer.echo("nothing to purge")
    for item in done:
        verb = "would purge" if dry_run else "purged"
        typer.echo(f"{verb} {item['period']}: {item['events_removed']} records")


def _buffer_config(
    stream: str, subject: str, durable: str, batch: int, ack_wait: float
) -> BufferConfig:
    url = runtime.settings().nats_url or "nats://127.0.0.1:4222"
    return BufferConfig(
        url=url, stream=stream, subject=subject, durable=durable, batch=batch, ack_wait_s=ack_wait
    )


StreamOpt = Annotated[str, typer.Option("--stream")]
SubjectOpt = Annotated[str, typer.Option("--subject")]
DurableOpt = Annotated[str, typer.Option("--durable")]


@app.command("publish")
@runtime.handle_errors
def publish_command(
    file: Annotated[str, typer.Argument(help="JSON-lines file of events, '-' for stdin")],
    stream: StreamOpt = DEFAULT_STREAM,
    subject: SubjectOpt = DEFAULT_SUBJECT,
) -> None:
    """Publish events to the NATS JetStream buffer (validated when the worker stores them)."""
    handle = _open_lines(file)
    try:
        items = []
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                items.append(json.loads(line))
            except ValueError:
                raise ValidationError(f"line {number} is not JSON", field="file") from None
    finally:
        if handle is not sys.stdin:
            handle.close()
    config = _buffer_config(stream, subject, DEFAULT_DURABLE, 1000, 30.0)
    count = asyncio.run(publish(config, items))
    typer.echo(f"published {count}")


@app.command("worker")
@runtime.handle_errors
def worker_command(
    stream: StreamOpt = DEFAULT_STREAM,
    subject: SubjectOpt = DEFAULT_SUBJECT,
    durable: DurableOpt = DEFAULT_DURABLE,
    batch: Annotated[int, typer.Option("--batch", min=1, max=10_000)] = 1000,
    ack_wait: Annotated[float, typer.Option("--ack-wait", min=0.5, max=3600)] = 30.0,
    until_drained: Annotated[bool, typer.Option("--until-drained")] = False,
    crash_after_commit: Annotated[
        int | None, typer.Option("--crash-after-commit", hidden=True, min=1)
    ] = None,
) -> None:
    """Sealer worker: pull batches from JetStream, store them idempotently, ack, seal."""
    config = _buffer_config(stream, subject, durable, batch, ack_wait)
    ctx = runtime.context()
    stats = asyncio.run(
        run_worker(
            config,
            ctx.session_factory,
            ctx.clock,
            ctx.settings,
            until_drained=until_drained,
            crash_after_commit=crash_after_commit,
        )
    )
    typer.echo(
        f"batches {stats.batches}, accepted {stats.accepted}, duplicates {stats.duplicates}, "
        f"rejected {stats.rejected}"
    )


@app.command("search")
@runtime.handle_errors
def search_command(
    customer: Annotated[str | None, typer.Option("--customer", help="customer ID")] = None,
    account: Annotated[str | None, typer.Option("--account")] = None,
    function: Annotated[str | None, typer.Option("--function")] = None,
    system: Annotated[str | None, typer.Option("--system")] = None,
    since: Annotated[str | None, typer.Option("--from", help="ISO time with offset")] = None,
    until: Annotated[str | None, typer.Option("--to", help="ISO time with offset")] = None,
    output: Annotated[str, typer.Option("--format", help="jsonl, ocsf or csv")] = "jsonl",
    limit: Annotated[int, typer.Option("--limit", min=1, max=5000)] = 500,
    by: Annotated[str, typer.Option("--by", help="who searches (recorded)")] = "cli",
) -> None:
    """Search the trail (who accessed customer X ...); the search itself is recorded."""
    from datetime import datetime

    from brokerguard.audit import search
    from brokerguard.audit.ocsf import to_ocsf

    if output not in ("jsonl", "ocsf", "csv"):
        raise ValidationError("--format is jsonl, ocsf or csv", field="format")

    def when(value: str | None, field: str) -> datetime | None:
        if value is None:
            return None
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            raise ValidationError(f"{field} is not an ISO time", field=field) from None

    filters = search.SearchFilters(
        customer, account, function, system, when(since, "from"), when(until, "to")
    )
    filters.validate()
    ctx = runtime.context()
    with ctx.session() as session:
        service.record_internal(
            session,
            ctx.clock,
            account=by,
            function="brokerguard.audit.search",
            query=filters.describe() + f" format={output}",
            customer_ids=(customer[:64],) if customer else (),
        )
        rows = search.search(session, filters, limit=limit)
        if output == "csv":
            rows, head = search.with_proofs(session, rows)
            sys.stdout.write(search.export_csv(rows, head).decode("utf-8-sig"))
            return
    for row in rows:
        _print_json(to_ocsf(row) if output == "ocsf" else row)


keys_app = typer.Typer(help="Per-system API keys for the batch ingest API.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@keys_app.command("create")
@runtime.handle_errors
def keys_create(system: str, by: Annotated[str, typer.Option("--by")] = "cli") -> None:
    """Create an API key for SYSTEM; the key is printed once and never stored."""
    from brokerguard.audit import apikeys

    ctx = runtime.context()
    with ctx.session() as session:
        key_id, token = apikeys.create_key(session, ctx.clock, system, by)
        service.record_internal(
            session,
            ctx.clock,
            account=by,
            function="brokerguard.audit.key.create",
            query=f"create API key {key_id} for system {system}",
        )
    typer.echo(token)


@keys_app.command("revoke")
@runtime.handle_errors
def keys_revoke(key_id: str, by: Annotated[str, typer.Option("--by")] = "cli") -> None:
    """Revoke an API key by its ID (the part after ``bgk_``)."""
    from brokerguard.audit import apikeys

    ctx = runtime.context()
    with ctx.session() as session:
        apikeys.revoke_key(session, ctx.clock, key_id)
        service.record_internal(
            session,
            ctx.clock,
            account=by,
            function="brokerguard.audit.key.revoke",
            query=f"revoke API key {key_id}",
        )
    typer.echo(f"revoked {key_id}")
