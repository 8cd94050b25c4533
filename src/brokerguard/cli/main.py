"""Entry point: core commands plus the commands each domain's manifest declares."""

from __future__ import annotations

import getpass
import ssl
from collections.abc import Sequence
from typing import Annotated

import typer
import uvicorn
from rich.markup import escape

from brokerguard import __version__
from brokerguard.audit import service as audit_service
from brokerguard.cli import config, demo, runtime
from brokerguard.db import migrate, textrepair
from brokerguard.domains import all_domains, validate
from brokerguard.errors import BrokerguardError, ValidationError
from brokerguard.kernel.manifest import DomainManifest
from brokerguard.staff.roles import Role
from brokerguard.staff.service import (
    change_staff_password,
    create_staff_user,
    disable_staff,
    set_staff_roles,
    staff_hashing,
    unlock_staff,
)
from brokerguard.web.server import HTTP_PROTOCOL, check_transport, proxy_options

app = typer.Typer(
    name="brokerguard",
    help="新興科技資通安全自律規範 compliance platform / TSA cybersecurity rules compliance.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
staff_app = typer.Typer(help="Staff accounts of the web UI.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(staff_app, name="staff")
app.add_typer(config.app, name="config")


@app.callback()
@runtime.handle_errors
def _settings_first() -> None:
    """Read the settings before any command: a wrong one stops every command (exit 2)."""
    runtime.settings()


@app.command()
def version() -> None:
    """Print the version."""
    runtime.console.print(__version__)


@db_app.command("upgrade")
@runtime.handle_errors
def db_upgrade() -> None:
    """Apply every pending migration."""
    engine = runtime.raw_engine()
    try:
        migrate.upgrade(engine)
        heads = migrate.current_heads(engine)
    finally:
        engine.dispose()
    runtime.engine.cache_clear()  # checked again, now migrated
    runtime.console.print("database is up to date: " + ", ".join(sorted(heads)))


@db_app.command("status")
def db_status() -> None:
    """Exit 0 when the database is migrated to the latest revisions, 1 otherwise."""
    engine = runtime.raw_engine()
    try:
        current = migrate.current_heads(engine)
    finally:
        engine.dispose()
    wanted = migrate.script_heads()
    runtime.console.print(f"current: {sorted(current)}\nlatest:  {sorted(wanted)}")
    raise typer.Exit(0 if current == wanted else 1)


@db_app.command("repair-text")
@runtime.handle_errors
def db_repair_text(
    apply: Annotated[
        bool, typer.Option("--apply", help="rewrite the rows (default: only list them)")
    ] = False,
) -> None:
    """List, or with --apply repair, stored text holding control or bidi characters.

    Each such character becomes U+FFFD, all rows in one transaction; audit tables are
    never rewritten. Exit 1 when unrepaired rows remain (a listing that found some).
    """
    engine = runtime.engine()
    found = textrepair.repair_text(engine) if apply else textrepair.find_unsafe_text(engine)
    for item in found:
        runtime.console.print(item.describe(), markup=False, highlight=False)
    if not found:
        runtime.console.print("no stored text holds a control or bidi character")
    elif apply:
        runtime.console.print(f"repaired {len(found)} value(s): each character is now U+FFFD")
    else:
        runtime.console.print(f"{len(found)} value(s) to repair: run again with --apply")
        raise typer.Exit(1)


@staff_app.command("create")
@runtime.handle_errors
def staff_create(
    username: str,
    role: Annotated[
        list[str], typer.Option("--role", help="admin, security, compliance, auditor, app_team")
    ],
    display_name: Annotated[str, typer.Option()] = "",
    unit: Annotated[str, typer.Option()] = "",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read the password from stdin")
    ] = False,
) -> None:
    """Create a staff account (the password is read from stdin, never from the command line)."""
    if not password_stdin:
        raise ValidationError(
            "use --password-stdin: passwords never go on the command line", field="password"
        )
    roles = _roles(role)
    password = runtime.read_secret_stdin()
    ctx = runtime.context()
    with ctx.session() as session:
        create_staff_user(
            session,
            ctx.clock,
            username=username,
            password=password,
            roles=roles,
            display_name=display_name,
            unit=unit,
            hashing=staff_hashing(ctx.settings.staff),
        )
    runtime.console.print(f"created staff user {username}")


def _roles(names: list[str]) -> set[Role]:
    try:
        return {Role(r) for r in names}
    except ValueError:
        raise ValidationError(
            f"unknown role in {names}; use {[r.value for r in Role]}", field="role"
        ) from None


@staff_app.command("set-password")
@runtime.handle_errors
def staff_set_password(
    username: str,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read the password from stdin")
    ] = False,
) -> None:
    """Set a staff member's password (from stdin); every session of theirs ends."""
    if not password_stdin:
        raise ValidationError(
            "use --password-stdin: passwords never go on the command line", field="password"
        )
    password = runtime.read_secret_stdin()
    ctx = runtime.context()
    with ctx.session() as session:
        ended = change_staff_password(
            session, ctx.clock, username, password, hashing=staff_hashing(ctx.settings.staff)
        )
    runtime.console.print(f"password of {username} changed; {ended} session(s) ended")


@staff_app.command("set-roles")
@runtime.handle_errors
def staff_set_roles(
    username: str,
    role: Annotated[
        list[str], typer.Option("--role", help="admin, security, compliance, auditor, app_team")
    ],
) -> None:
    """Replace a staff member's roles; every session of theirs ends."""
    roles = _roles(role)
    ctx = runtime.context()
    with ctx.session() as session:
        ended = set_staff_roles(session, ctx.clock, username, roles)
    runtime.console.print(f"roles of {username} set; {ended} session(s) ended")


@staff_app.command("disable")
@runtime.handle_errors
def staff_disable(username: str) -> None:
    """Disable a staff account; every session of theirs ends at once."""
    ctx = runtime.context()
    with ctx.session() as session:
        ended = disable_staff(session, ctx.clock, username)
    runtime.console.print(f"{username} disabled; {ended} session(s) ended")


@staff_app.command("unlock")
@runtime.handle_errors
def staff_unlock(username: str) -> None:
    """Unlock a staff account locked by wrong passwords; recorded in the audit trail
    (account ``cli:<operating-system user>``)."""
    ctx = runtime.context()
    clock = ctx.clock
    with ctx.session() as session:
        was_locked = unlock_staff(session, username)
        audit_service.record_internal(
            session,
            clock,
            account=f"cli:{getpass.getuser()}"[:256],
            function="staff.unlock",
            query=f"unlock staff account {username[:64]} (was locked: {was_locked})",
        )
    runtime.console.print(f"{username} unlocked" if was_locked else f"{username} was not locked")


@app.command()
@runtime.handle_errors
def serve(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    tls_cert: Annotated[str | None, typer.Option("--tls-cert")] = None,
    tls_key: Annotated[str | None, typer.Option("--tls-key")] = None,
    workers: Annotated[int, typer.Option(min=1, max=64)] = 1,
    access_log: Annotated[
        bool, typer.Option("--access-log/--no-access-log", help="uvicorn's per-request log lines")
    ] = True,
) -> None:
    """Serve the web UI and the JSON API. Plain HTTP only in development or on loopback."""
    settings = runtime.settings()
    runtime.engine()  # a database not migrated stops here with its message, not in uvicorn
    if (tls_cert is None) != (tls_key is None):
        raise ValidationError("give both --tls-cert and --tls-key", field="tls")
    check_transport(settings, host=host, tls=tls_cert is not None)
    uvicorn.run(
        "brokerguard.web.asgi:app",
        host=host,
        port=port,
        workers=workers,
        ssl_certfile=tls_cert,
        ssl_keyfile=tls_key,
        ssl_version=ssl.PROTOCOL_TLS_SERVER,
        ssl_ciphers="ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!MD5:!3DES",
        **proxy_options(settings),
        log_level="info",
        access_log=access_log,
        http=HTTP_PROTOCOL,
    )


def add_domain_commands(target: typer.Typer, domains: Sequence[DomainManifest]) -> None:
    """Each domain's group and top-level commands; a wrong manifest raises ManifestError."""
    for manifest in validate(tuple(domains)):
        if manifest.cli is not None:
            target.add_typer(manifest.cli.app, name=manifest.cli.name)
        for command in manifest.commands:
            target.command(command.name)(command.function)


add_domain_commands(app, all_domains())
demo.register(app)


def main() -> None:
    try:
        app()
    except BrokerguardError as error:  # a command without @handle_errors: still no traceback
        runtime.err_console.print(
            f"[red]error[/red] ({error.code}): {escape(error.message)}", highlight=False
        )
        raise SystemExit(runtime.exit_code_for(error)) from None
