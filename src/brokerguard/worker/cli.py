"""``brokerguard worker`` (the second process beside ``serve``) and ``brokerguard jobs``."""

from __future__ import annotations

import json
import logging
from typing import Annotated

import typer

from brokerguard.cli import runtime
from brokerguard.clock import to_taipei
from brokerguard.notify.delivery import outbox_for
from brokerguard.registerkit.commands import Json, default_actor
from brokerguard.worker.assembly import build_runner
from brokerguard.worker.overview import job_overview
from brokerguard.worker.queue import WorkerProcess, make_huey
from brokerguard.worker.registry import declared_consumers
from brokerguard.worker.runner import JobRunner, RunReport

app = typer.Typer(
    help="排程作業 Scheduled jobs: list them with their last and next runs, run one now.",
    no_args_is_help=True,
)


def _runner() -> JobRunner:
    ctx = runtime.context()
    return build_runner(ctx.settings, ctx.session_factory, ctx.clock)


def _print_report(report: RunReport, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(report.as_json(), ensure_ascii=False))
        return
    seconds = (report.finished - report.started).total_seconds()
    detail = report.summary if report.status != "failed" else report.error
    runtime.console.print(
        f"{report.job}\t{report.status}\t{seconds:.1f} s\t{detail}", highlight=False
    )


@app.command("list")
@runtime.handle_errors
def list_jobs(as_json: Json = False) -> None:
    """Every declared job: schedule (Asia/Taipei), last run and status, next run."""
    runner = _runner()
    ctx = runtime.context()
    with ctx.session() as session:
        rows = job_overview(session, runner.jobs, ctx.clock.now())
    for row in rows:
        if as_json:
            typer.echo(json.dumps(row.as_json(), ensure_ascii=False))
            continue
        last = to_taipei(row.last_run).strftime("%Y-%m-%d %H:%M") if row.last_run else "-"
        upcoming = to_taipei(row.next_run).strftime("%Y-%m-%d %H:%M") if row.next_run else "-"
        runtime.console.print(
            f"{row.job}\t{row.schedule}\tlast {last} {row.last_status or '-'}\tnext {upcoming}",
            highlight=False,
        )


@app.command("run")
@runtime.handle_errors
def run_job(job: str, as_json: Json = False) -> None:
    """Run JOB now, whatever its schedule; exit 1 when it failed."""
    runner = _runner()
    report = runner.run_now(job, default_actor())
    _print_report(report, as_json)
    _deliver(runner)
    if report.status == "failed":
        raise typer.Exit(runtime.EXIT_FAILED)


def _deliver(runner: JobRunner) -> None:
    outbox = outbox_for(runner.settings, runner.factory, runner.clock)
    sent = outbox.deliver_due()
    if sent.total:
        runtime.err_console.print(
            f"outbox: sent {sent.sent}, failed {sent.failed} (given up {sent.given_up})",
            highlight=False,
        )


@runtime.handle_errors
def worker(
    once: Annotated[
        bool, typer.Option("--once", help="run every job due now, send the outbox, exit")
    ] = False,
    as_json: Json = False,
    scheduler: Annotated[
        bool,
        typer.Option(
            "--scheduler/--no-scheduler",
            help="claim due jobs every minute (run exactly one per queue; see docs/operations.md)",
        ),
    ] = True,
    threads: Annotated[
        int | None, typer.Option("--threads", min=1, max=32, help="jobs run at once")
    ] = None,
) -> None:
    """Run the scheduled jobs and send notifications (the process beside ``serve``)."""
    ctx = runtime.context()
    settings = ctx.settings
    worker_settings = settings.worker
    factory = ctx.session_factory
    runner = build_runner(settings, factory, ctx.clock)
    if once:
        reports = runner.run_due()
        for report in reports:
            _print_report(report, as_json)
        _deliver(runner)
        if any(r.status == "failed" for r in reports):
            raise typer.Exit(runtime.EXIT_FAILED)
        return
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    consumers = [c for c in declared_consumers() if c.enabled(settings)]
    process = WorkerProcess(
        make_huey(settings),
        runner,
        outbox_for(settings, factory, runner.clock),
        worker_settings.outbox_poll_s,
        consumers,
    )
    runtime.err_console.print(
        f"worker {runner.owner}: {len(runner.jobs)} jobs, "
        f"consumers {', '.join(c.name for c in consumers) or 'none'}, "
        f"scheduler {'on' if scheduler else 'off'}, queue "
        f"{'redis' if settings.redis_url else settings.data_dir / 'worker-queue.db'}",
        highlight=False,
    )
    process.serve(scheduler=scheduler, threads=threads or worker_settings.threads)
