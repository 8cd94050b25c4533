"""Alembic, driven from Python. Each domain owns a migration branch off the core
revision, kept in the migrations folder its manifest names (Alembic
``version_locations``); ``upgrade`` applies every head, so domains never fight
over one chain."""

from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from brokerguard.domains import all_domains
from brokerguard.errors import MigrationStateError

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
#: the core revisions (staff); each domain's are in its own folder
CORE_VERSIONS = MIGRATIONS_DIR / "versions"


def version_locations() -> list[Path]:
    return [CORE_VERSIONS] + [m.migrations for m in all_domains() if m.migrations is not None]


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option(
        "version_locations", os.pathsep.join(str(path) for path in version_locations())
    )
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine) -> None:
    """Apply every pending migration (all branch heads)."""
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "heads")


def current_heads(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def script_heads() -> set[str]:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return set(script.get_heads())


def is_up_to_date(engine: Engine) -> bool:
    return current_heads(engine) == script_heads()


def require_up_to_date(engine: Engine) -> None:
    """Raise :class:`MigrationStateError` unless the database is at the code's revisions."""
    current, wanted = current_heads(engine), script_heads()
    if current == wanted:
        return
    if not current:
        state = "has never been migrated"
    elif current - wanted and not wanted - current:
        state = "is at revisions this version of brokerguard does not know: " + ", ".join(
            sorted(current - wanted)
        )
    else:
        state = "is behind the code (missing " + ", ".join(sorted(wanted - current)) + ")"
    raise MigrationStateError(
        f"the database {state}: run `brokerguard db upgrade`", field="database_url"
    )
