"""Helpers shared by the house-register tests (social, deepfake, training, attestations)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner, Result

from brokerguard.cli import runtime
from brokerguard.clock import FixedClock
from brokerguard.config import get_settings
from brokerguard.staff.roles import Role
from brokerguard.staff.service import StaffIdentity, create_staff_user


@contextmanager
def cli_env(engine: Engine, data_dir: Path) -> Iterator[None]:
    """Point the CLI at ``engine``'s database for the duration of the block."""
    saved = {k: os.environ.get(k) for k in ("BROKERGUARD_DATABASE_URL", "BROKERGUARD_DATA_DIR")}
    os.environ["BROKERGUARD_DATABASE_URL"] = engine.url.render_as_string(hide_password=False)
    os.environ["BROKERGUARD_DATA_DIR"] = str(data_dir)
    get_settings.cache_clear()
    runtime.engine.cache_clear()
    try:
        yield
    finally:
        runtime.engine().dispose()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        get_settings.cache_clear()
        runtime.engine.cache_clear()


def run_cli(*args: str, input: str | None = None) -> Result:
    from brokerguard.cli.main import app

    return CliRunner().invoke(app, list(args), input=input)


def switch_user(client: object, engine: Engine, clock: object, role: object, username: str) -> None:
    """Sign out and sign in as another staff member (a second person in a workflow)."""
    from fastapi.testclient import TestClient

    from brokerguard.clock import FixedClock
    from brokerguard.staff.roles import Role
    from tests.conftest import sign_in

    assert isinstance(client, TestClient) and isinstance(clock, FixedClock)
    assert isinstance(role, Role)
    client.post("/logout")
    client.headers.pop("X-CSRF-Token", None)
    sign_in(client, engine, clock, role, username=username)


def demo_staff(session: Session, clock: FixedClock) -> dict[str, StaffIdentity]:
    """The demo firm's compliance and security staff users, keyed like ``DemoContext.staff``
    (the attestation demo needs attesters holding the roles the requirements name)."""
    from tests.conftest import STAFF_PASSWORD

    return {
        role.value: create_staff_user(
            session, clock, username=f"demo-{role.value}", password=STAFF_PASSWORD, roles={role}
        )
        for role in (Role.compliance, Role.security)
    }
