"""What every CLI command shares: its application context, the engine, error exits.

Exit codes: 0 success, 1 a failed control or verification, 2 bad input
(unknown ID, malformed file, policy violation).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import lru_cache, wraps
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from brokerguard.clock import Clock, SystemClock
from brokerguard.config import Settings, SettingsError, get_settings
from brokerguard.db.engine import make_engine, session_factory
from brokerguard.errors import (
    BrokerguardError,
    MigrationStateError,
    NotFoundError,
    ValidationError,
)
from brokerguard.kernel.context import AppContext

console = Console()
err_console = Console(stderr=True, soft_wrap=True)  # an error is one line, never wrapped

EXIT_FAILED = 1
EXIT_BAD_INPUT = 2

P = ParamSpec("P")
R = TypeVar("R")


def raw_engine() -> Engine:
    """A new engine on the database as it is, migrated or not (``db upgrade``, ``db status``)."""
    return make_engine(settings().database_url)


@lru_cache(maxsize=1)
def engine() -> Engine:
    """The database, checked once to be at the code's migrations: a database never
    migrated or behind the code raises :class:`MigrationStateError` (exit 2)."""
    from brokerguard.db import migrate  # the migrations are the domains': import late

    migrated = raw_engine()
    migrate.require_up_to_date(migrated)
    return migrated


def settings() -> Settings:
    return get_settings()


def clock() -> Clock:
    return SystemClock()


@lru_cache(maxsize=4)
def _session_factory(database: Engine) -> sessionmaker[Session]:
    return session_factory(database)


def context() -> AppContext:
    """This command's typed application context, as the web app has one (``web.deps``):
    the settings, the clock, the migrated database and its session factory, the checked
    domain manifests. A command that touches the database builds it once and passes its
    parts on (``with ctx.session() as session``, ``ctx.clock``, ``ctx.settings``); a
    command that needs no database (``config show``, ``audit public-key``) reads
    :func:`settings` alone, so it works before ``db upgrade``."""
    from brokerguard.domains import all_domains  # the domains import the CLI: import late

    database = engine()
    return AppContext(
        settings=settings(),
        clock=clock(),
        engine=database,
        session_factory=_session_factory(database),
        domains=all_domains(),
    )


def exit_code_for(error: BrokerguardError) -> int:
    bad_input = ValidationError | NotFoundError | SettingsError | MigrationStateError
    return EXIT_BAD_INPUT if isinstance(error, bad_input) else EXIT_FAILED


def handle_errors(function: Callable[P, R]) -> Callable[P, R]:
    """Turn typed errors into a one-line message on stderr and exit code 2 (bad input) or 1."""

    @wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return function(*args, **kwargs)
        except BrokerguardError as error:
            message = escape(error.message)  # user input in a message is text, never markup
            err_console.print(f"[red]error[/red] ({error.code}): {message}", highlight=False)
            raise typer.Exit(exit_code_for(error)) from None

    return wrapper


def read_secret_stdin(name: str = "password") -> str:
    """One line from stdin, without its line ending; refuses empty input."""
    line = sys.stdin.readline()
    value = line.rstrip("\r\n")
    if not value:
        raise ValidationError(f"no {name} on standard input", field=name)
    return value
