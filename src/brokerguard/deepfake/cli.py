"""``brokerguard deepfake``: video identity sessions from the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from brokerguard.cli import runtime
from brokerguard.deepfake import service
from brokerguard.deepfake.analysis.cli import analyze_command, calibrate_command
from brokerguard.deepfake.detector import NoDetector
from brokerguard.deepfake.evidence import approve_and_keep
from brokerguard.deepfake.export import export_sessions
from brokerguard.deepfake.otp import SmtpEmailSender, UnconfiguredSender
from brokerguard.errors import ValidationError
from brokerguard.registerkit.cli import DecisionOption, apply_decision
from brokerguard.registerkit.files import read_input_file

app = typer.Typer(help="視訊身分核驗 / Video identity checks (A10.1).", no_args_is_help=True)
app.command("analyze")(runtime.handle_errors(analyze_command))
app.command("calibrate")(runtime.handle_errors(calibrate_command))


def _print(data: dict[str, object]) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


@app.command("list")
@runtime.handle_errors
def list_command() -> None:
    """Print the sessions as JSON."""
    ctx = runtime.context()
    with ctx.session() as session:
        rows = [service.session_summary(r) for r in service.list_sessions(session)]
    typer.echo(json.dumps(rows, ensure_ascii=False, indent=2, default=str))


@app.command("export")
@runtime.handle_errors
def export_command(output: Path, format: Annotated[str, typer.Option()] = "csv") -> None:
    """Write the sessions to CSV or XLSX."""
    ctx = runtime.context()
    with ctx.session() as session:
        content, _, _ = export_sessions(session, format)
    output.write_bytes(content)
    runtime.console.print(f"wrote {output}")


@app.command("start")
@runtime.handle_errors
def start_command(
    customer_ref: str,
    operator: Annotated[str, typer.Option()],
    purpose: Annotated[str, typer.Option()] = "account_opening",
) -> None:
    """Start a session; prints its ID and the random liveness challenges."""
    ctx = runtime.context()
    with ctx.session() as session:
        row = service.start_session(
            session, ctx.clock, customer_ref=customer_ref, purpose=purpose, operator=operator
        )
        _print(service.session_summary(row))


@app.command("send-code")
@runtime.handle_errors
def send_code_command(
    session_id: str,
    channel: Annotated[str, typer.Option(help="sms or email")],
    destination: Annotated[str, typer.Option(help="the registered phone or e-mail")],
) -> None:
    """Send a one-time code through the configured channel (the code is never printed)."""
    ctx = runtime.context()
    cfg = ctx.settings.deepfake
    sender = (
        SmtpEmailSender(cfg.smtp_host, cfg.smtp_port, cfg.smtp_from, cfg.smtp_timeout_s)
        if cfg.smtp_host
        else UnconfiguredSender()
    )
    with ctx.session() as session:
        row = service.send_otp(
            session,
            ctx.clock,
            cfg,
            sender,
            session_id,
            channel=channel,
            registered_destination=destination,
        )
        runtime.console.print(f"code sent to {row.otp_destination}")


@app.command("verify-code")
@runtime.handle_errors
def verify_code_command(session_id: str) -> None:
    """Read the code the customer read back from stdin and verify it; exit 1 when refused."""
    code = runtime.read_secret_stdin("code")
    ctx = runtime.context()
    with ctx.session() as session:
        outcome = service.verify_otp(session, ctx.clock, ctx.settings.deepfake, session_id, code)
    runtime.console.print(f"{outcome.reason} ({outcome.attempts_left} attempts left)")
    if not outcome.verified:
        raise typer.Exit(1)


@app.command("challenges")
@runtime.handle_errors
def challenges_command(
    session_id: str,
    actor: Annotated[str, typer.Option()],
    result: Annotated[list[str], typer.Option("--result", help="pass or fail, in order")],
) -> None:
    """Record each liveness challenge's result in the order shown."""
    if any(r not in ("pass", "fail") for r in result):
        raise ValidationError("each --result is pass or fail", field="result")
    ctx = runtime.context()
    with ctx.session() as session:
        service.record_challenges(
            session, ctx.clock, session_id, [r == "pass" for r in result], actor
        )
    runtime.console.print("recorded")


@app.command("id-photo")
@runtime.handle_errors
def photo_command(
    session_id: str,
    result: Annotated[str, typer.Option(help="match or mismatch")],
    actor: Annotated[str, typer.Option()],
    note: Annotated[str, typer.Option()] = "",
) -> None:
    """Record the comparison with the ID photo on file."""
    ctx = runtime.context()
    with ctx.session() as session:
        service.record_id_photo(
            session, ctx.clock, session_id, result=result, note=note, actor=actor
        )
    runtime.console.print("recorded")


@app.command("recording")
@runtime.handle_errors
def recording_command(session_id: str, file: Path) -> None:
    """Hash a recording file and run the configured detector (default: none)."""
    ctx = runtime.context()
    cfg = ctx.settings.deepfake
    content = read_input_file(file, cfg.max_recording_bytes)
    with ctx.session() as session:
        row = service.attach_recording(session, ctx.clock, cfg, session_id, content, NoDetector())
        runtime.console.print(f"sha256 {row.recording_sha256}; detector: {row.detector_note}")


@app.command("analyse-session")
@runtime.handle_errors
def analyse_session_command(
    session_id: str,
    recording: Path,
    id_photo: Annotated[Path, typer.Option(help="the ID photo on file")],
    actor: Annotated[str, typer.Option()],
) -> None:
    """Analyse a session's recording against its own schedule; kept as A10.1 evidence."""
    from brokerguard.deepfake.automatic import run_analysis

    ctx = runtime.context()
    with ctx.session() as session:
        analysis = run_analysis(
            session,
            ctx.clock,
            ctx.settings,
            ctx.settings.deepfake,
            session_id,
            recording=recording,
            id_photo=id_photo,
            actor=actor,
        )
        verdict = "pass" if analysis.automatic_pass else "fail"
        runtime.console.print(f"analysis {analysis.id}: {verdict} ({analysis.evidence_ref})")


@app.command("override")
@runtime.handle_errors
def override_command(
    session_id: str,
    actor: Annotated[str, typer.Option(help="the second reviewer")],
    note: Annotated[str, typer.Option(help="what was checked instead, and why")],
) -> None:
    """Document an override of the automatic analysis (not by the operator)."""
    ctx = runtime.context()
    with ctx.session() as session:
        service.override_analysis(session, ctx.clock, session_id, actor=actor, note=note)
    runtime.console.print("override recorded")


@app.command("review")
@runtime.handle_errors
def review_command(
    session_id: str,
    decision: DecisionOption,
    reviewer: Annotated[str, typer.Option()],
    note: Annotated[str, typer.Option()] = "",
) -> None:
    """Sign off a session (a different person from the operator)."""
    ctx = runtime.context()
    with ctx.session() as session:
        apply_decision(
            decision,
            approve=lambda: approve_and_keep(
                session,
                ctx.clock,
                ctx.settings,
                session_id,
                reviewer=reviewer,
                note=note,
            ),
            reject=lambda: service.reject(
                session, ctx.clock, session_id, reviewer=reviewer, note=note
            ),
        )
    runtime.console.print(f"{decision}d")
