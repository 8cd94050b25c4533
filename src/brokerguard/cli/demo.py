"""``brokerguard demo``: a fresh demo firm on a throw-away SQLite file, then serve it.

Steps: delete and recreate the SQLite file (only a ``*.db`` file on a path that
names "demo"), migrate, create the staff (passwords generated and printed once),
load every domain's demo step (after the domains it ``depends_on``) in one transaction, run
assessments (earlier ones at back-dated demo-clock times so the trend has
points), write the three reports and serve the app.
"""

from __future__ import annotations

import os
import random
import secrets
import subprocess
import sys
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from sqlalchemy import Engine

from brokerguard.assessment.engine import run_assessment
from brokerguard.assessment.overview import DEMO_TRIGGER_PREFIX
from brokerguard.audit.sink import session_audit_sink
from brokerguard.cli import runtime
from brokerguard.clock import Clock, FixedClock, SystemClock
from brokerguard.config import Settings, load_settings, settings_with, source_of
from brokerguard.db import migrate
from brokerguard.db.engine import make_engine, session_factory, session_scope
from brokerguard.demodata import DemoContext
from brokerguard.domains import all_domains
from brokerguard.errors import ValidationError
from brokerguard.kernel.manifest import DemoStep, demo_order
from brokerguard.reports.data import ReportFormat, build_report
from brokerguard.reports.render import write_report
from brokerguard.staff.roles import Role
from brokerguard.staff.service import create_staff_user, staff_hashing
from brokerguard.web.server import HTTP_PROTOCOL, proxy_options

SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3")
SQLITE_MAGIC = b"SQLite format 3\x00"
DEMO_SEED = 20260304
#: back-filled assessment runs, days before now (the trend chart's earlier points)
BACKFILL_DAYS = (150, 120, 90, 60, 30, 7)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role
    display_name: str
    unit: str


ACCOUNTS = (
    DemoAccount("admin", Role.admin, "系統管理者", "資訊處"),
    DemoAccount("security", Role.security, "王大明", "資訊安全處"),
    DemoAccount("compliance", Role.compliance, "林美玲", "法令遵循處"),
    DemoAccount("auditor", Role.auditor, "陳志強", "稽核室"),
    DemoAccount("appteam", Role.app_team, "張雅婷", "數位金融部"),
)


def check_demo_path(path: Path) -> Path:
    """Refuse anything but a SQLite file on a path that says it is for the demo."""
    resolved = path.expanduser().resolve()
    if resolved.suffix.lower() not in SQLITE_SUFFIXES:
        raise ValidationError(
            f"the demo database must be a {'/'.join(SQLITE_SUFFIXES)} file: {path}",
            field="database",
        )
    if not any("demo" in part.lower() for part in resolved.parts[-2:]):
        raise ValidationError(
            f"refusing to delete {path}: its file or folder name must contain 'demo'",
            field="database",
        )
    if path.is_symlink() or (resolved.exists() and not resolved.is_file()):
        raise ValidationError(f"{path} is not a plain file", field="database")
    if resolved.exists() and resolved.stat().st_size > 0:
        with resolved.open("rb") as handle:
            if handle.read(len(SQLITE_MAGIC)) != SQLITE_MAGIC:
                raise ValidationError(
                    f"refusing to delete {path}: it is not a SQLite database", field="database"
                )
    return resolved


def reset_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)


def demo_password() -> str:
    """A random password meeting the staff rules (letters and digits, >= 12 characters)."""
    return f"Demo-{secrets.token_urlsafe(12)}-{secrets.randbelow(90) + 10}"


def demo_steps() -> list[DemoStep]:
    """Every domain's demo step, each after the domains it depends on."""
    return [m.demo for m in demo_order(all_domains()) if m.demo is not None]


def load_firm(
    engine: Engine, settings: Settings, clock: Clock
) -> tuple[DemoContext, dict[str, str]]:
    """Staff and every domain's demo data, in one transaction (audit events included)."""
    passwords: dict[str, str] = {}
    factory = session_factory(engine)
    with session_scope(factory) as session:
        ctx = DemoContext(
            session=session,
            settings=settings,
            clock=clock,
            rng=random.Random(DEMO_SEED),
            audit=session_audit_sink(session, clock),
        )
        for account in ACCOUNTS:
            password = demo_password()
            ctx.staff[account.role.value] = create_staff_user(
                session,
                clock,
                username=account.username,
                password=password,
                roles={account.role},
                display_name=account.display_name,
                unit=account.unit,
                hashing=staff_hashing(settings.staff),
            )
            passwords[account.username] = password
        for step in demo_steps():
            step.load(ctx)
            session.flush()
    return ctx, passwords


def run_demo_assessments(engine: Engine, settings: Settings, now: FixedClock) -> int:
    """Back-dated runs (labelled as generated in the UI), then one at the demo's now."""
    factory = session_factory(engine)
    runs = 0
    for days in BACKFILL_DAYS:
        past = FixedClock(now.now() - timedelta(days=days))
        with session_scope(factory) as session:
            run_assessment(session, settings, past, triggered_by=f"{DEMO_TRIGGER_PREFIX}-backfill")
        runs += 1
    with session_scope(factory) as session:
        run_assessment(session, settings, now, triggered_by=DEMO_TRIGGER_PREFIX)
    return runs + 1


def write_demo_reports(
    engine: Engine, settings: Settings, clock: Clock, folder: Path
) -> list[Path]:
    paths = []
    with session_scope(session_factory(engine)) as session:
        report = build_report(session, settings, clock, "zh-TW")
    for fmt in ReportFormat:
        paths.append(write_report(report, fmt, folder / f"self-assessment-zh-TW.{fmt.value}"))
    return paths


def demo_data_dir(database: Path) -> Path:
    """Where the demo keeps its keys and evidence files: ``BROKERGUARD_DATA_DIR``
    (or the configuration file's ``data_dir``) when set, so ``brokerguard serve`` with
    the same variable decrypts the demo's TOTP seeds; else the database's folder."""
    if source_of(("data_dir",)) == "default":
        return database.parent
    return load_settings().data_dir


def build_demo(database: Path) -> tuple[Settings, Engine, list[str]]:
    """Everything but serving; returns the settings, the engine and the lines to print."""
    path = check_demo_path(database)
    reset_database(path)
    data_dir = demo_data_dir(path)
    settings = settings_with(database_url=f"sqlite:///{path}", data_dir=data_dir)
    engine = make_engine(settings.database_url)
    migrate.upgrade(engine)
    clock = FixedClock(SystemClock().now())
    ctx, passwords = load_firm(engine, settings, clock)
    runs = run_demo_assessments(engine, settings, clock)
    reports = write_demo_reports(engine, settings, clock, path.parent / "reports")
    lines = [
        f"database: {path}",
        f"data directory (keys, evidence): {data_dir}",
        f"serve it again: BROKERGUARD_DATABASE_URL=sqlite:///{path} "
        f"BROKERGUARD_DATA_DIR={data_dir} brokerguard serve",
        f"assessment runs: {runs} ({runs - 1} back-dated demo history)",
    ]
    lines += ctx.notes
    lines.append("accounts (passwords are shown this once):")
    for account in ACCOUNTS:
        lines.append(
            f"  {account.username:<11} {account.role.label_zh:<10} {passwords[account.username]}"
        )
    lines.append("reports:")
    lines += [f"  {p}" for p in reports]
    return settings, engine, lines


def register(app: typer.Typer) -> None:
    @app.command()
    @runtime.handle_errors
    def demo(
        database: Annotated[Path, typer.Option("--database", help="demo SQLite file")] = Path(
            "var/demo/brokerguard.db"
        ),
        host: Annotated[str, typer.Option()] = "127.0.0.1",
        port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
        no_serve: Annotated[bool, typer.Option("--no-serve", help="build only")] = False,
        worker: Annotated[
            bool,
            typer.Option("--worker/--no-worker", help="run `brokerguard worker` beside the app"),
        ] = True,
    ) -> None:
        """Fresh demo firm: migrate, load demo data, assess, write reports, serve (with the
        worker running the scheduled jobs; Ctrl+C stops both)."""
        settings, engine, lines = build_demo(database)
        lines.insert(0, f"URL: http://{host}:{port}/dashboard")
        for line in lines:
            typer.echo(line)
        if no_serve:
            return
        from brokerguard.web.app import create_app

        jobs = start_worker(settings) if worker else None
        typer.echo(
            f"serving{' with the worker (see /jobs)' if jobs else ''}; stop with Ctrl+C",
        )
        try:
            uvicorn.run(
                create_app(settings, engine=engine),
                host=host,
                port=port,
                log_level="info",
                http=HTTP_PROTOCOL,
                **proxy_options(settings),
            )
        finally:
            if jobs is not None:
                stop_worker(jobs)


def start_worker(settings: Settings) -> subprocess.Popen[bytes]:
    """``brokerguard worker`` on the demo's database and data directory."""
    env = {
        **os.environ,
        "BROKERGUARD_DATABASE_URL": settings.database_url,
        "BROKERGUARD_DATA_DIR": str(settings.data_dir),
    }
    return subprocess.Popen([sys.executable, "-m", "brokerguard", "worker"], env=env)


def stop_worker(process: subprocess.Popen[bytes], grace_s: float = 15.0) -> None:
    """Ctrl+C reached the worker too (same process group); wait for it, then insist."""
    try:
        process.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        process.terminate()
        try:
            process.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
