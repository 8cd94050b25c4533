"""Entry point: core commands plus the commands each domain's manifest declares."""

from __future__ import annotations

import ssl
from collections.abc import Sequence
from typing import Annotated

import typer
import uvicorn

from brokerguard import __version__
from brokerguard.cli import config, demo, runtime
from brokerguard.config import Environment
from brokerguard.db import migrate
from brokerguard.domains import all_domains, validate
from brokerguard.errors import ConfigurationError, ValidationError
from brokerguard.kernel.manifest import DomainManifest
from brokerguard.staff.roles import Role
from brokerguard.staff.service import create_staff_user
from brokerguard.web.server import HTTP_PROTOCOL

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
    migrate.upgrade(runtime.engine())
    runtime.console.print(
        "database is up to date: " + ", ".join(sorted(migrate.current_heads(runtime.engine())))
    )


@db_app.command("status")
def db_status() -> None:
    """Exit 0 when the database is migrated to the latest revisions, 1 otherwise."""
    current = migrate.current_heads(runtime.engine())
    wanted = migrate.script_heads()
    runtime.console.print(f"current: {sorted(current)}\nlatest:  {sorted(wanted)}")
    raise typer.Exit(0 if current == wanted else 1)


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
    try:
        roles = {Role(r) for r in role}
    except ValueError:
        raise ValidationError(
            f"unknown role in {role}; use {[r.value for r in Role]}", field="role"
        ) from None
    password = runtime.read_secret_stdin()
    with runtime.open_session() as session:
        create_staff_user(
            session,
            runtime.clock(),
            username=username,
            password=password,
            roles=roles,
            display_name=display_name,
            unit=unit,
        )
    runtime.console.print(f"created staff user {username}")


def _is_loopback(host: str) -> bool:
    return host in ("127.0.0.1", "::1", "localhost") or host.startswith("127.")


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
    if (tls_cert is None) != (tls_key is None):
        raise ValidationError("give both --tls-cert and --tls-key", field="tls")
    behind_proxy = bool(settings.trusted_proxies)
    if (
        tls_cert is None
        and settings.env is Environment.production
        and not _is_loopback(host)
        and not behind_proxy
    ):
        raise ConfigurationError(
            "production mode serves only over TLS (--tls-cert/--tls-key) "
            "or behind a configured trusted proxy"
        )
    uvicorn.run(
        "brokerguard.web.asgi:app",
        host=host,
        port=port,
        workers=workers,
        ssl_certfile=tls_cert,
        ssl_keyfile=tls_key,
        ssl_version=ssl.PROTOCOL_TLS_SERVER,
        ssl_ciphers="ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!MD5:!3DES",
        proxy_headers=behind_proxy,
        forwarded_allow_ips=",".join(settings.trusted_proxies) or None,
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
    app()
