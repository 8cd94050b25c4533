"""Shared fixtures.

Storage fixtures run each test on SQLite *and* PostgreSQL (``engine``, ``session``).
PostgreSQL gets a private database per test run, migrated once, truncated
between tests; SQLite gets a copy of a migrated template file per test. A
missing PostgreSQL skips locally and fails when ``CI=true``.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.orm import Session

from brokerguard.auth.settings import ARGON2_MEMORY_KIB, ARGON2_TIME_COST
from brokerguard.clock import FixedClock
from brokerguard.config import Settings, settings_with
from brokerguard.db import migrate
from brokerguard.db.engine import make_engine, session_factory
from brokerguard.staff.roles import Role
from brokerguard.staff.service import create_staff_user
from brokerguard.web.app import create_app
from tests.route_analysis import share_route_analysis

ROOT = Path(__file__).resolve().parents[1]
SHARED = (ROOT / ".." / "shared").resolve()
FIXTURES = SHARED / "fixtures"
REGULATION = SHARED / "regulation"
PG_ADMIN_URL = os.environ.get(
    "BROKERGUARD_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
STAFF_PASSWORD = "Correct-horse-42-battery"
#: cheap argon2id for new password hashes, set through the settings' own environment
#: variables (production keeps OWASP's m=19456 KiB, t=2: tests/auth/test_passwords.py);
#: a test that needs the production costs passes them explicitly
CHEAP_ARGON2 = {
    f"BROKERGUARD_{domain}__ARGON2_{key}": value
    for domain in ("AUTH", "STAFF")
    for key, value in (("TIME_COST", "1"), ("MEMORY_KIB", "1024"))
}
for _name, _value in CHEAP_ARGON2.items():
    os.environ.setdefault(_name, _value)
#: the production (OWASP) costs, for a test that builds production settings (which refuse
#: the cheap ones): ``Settings(env=Environment.production, **OWASP_HASHING)``
OWASP_HASHING: dict[str, Any] = {
    domain: {"argon2_time_cost": ARGON2_TIME_COST, "argon2_memory_kib": ARGON2_MEMORY_KIB}
    for domain in ("auth", "staff")
}
#: FastAPI's analysis of each route, once per test process instead of once per test app
ROUTE_ANALYSIS = share_route_analysis()
T0 = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked ``slow`` run first, the rest in their usual order: under ``-n`` the
    long tests start early (with ``--dist worksteal`` an idle worker takes over queued
    ones) instead of ending the run with one worker busy and the other idle."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def close_sqlite(engine: Engine) -> None:
    """Write the WAL back into the file and close: the file alone is then the database."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    close_sqlite(engine)
    return path


@dataclass(frozen=True)
class DemoFirm:
    """A built demo firm: its SQLite file, data directory (keys, evidence) and passwords."""

    database: Path
    data_dir: Path
    passwords: dict[str, str]


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> DemoFirm:
    """The demo firm (every domain's demo step, the back-dated assessment runs, clock
    ``T0``), built once per test process; tests take a copy with :func:`demo_copy`."""
    from brokerguard.cli.demo import load_firm, run_demo_assessments

    folder = tmp_path_factory.mktemp("demo-template")
    engine = sqlite_copy(sqlite_template, folder)
    settings = settings_with(  # hashed as `make demo` hashes: the A9.5 check reads them
        database_url=engine.url.render_as_string(hide_password=False),
        data_dir=folder / "var",
        **OWASP_HASHING,
    )
    clock = FixedClock(T0)
    _, passwords = load_firm(engine, settings, clock)
    run_demo_assessments(engine, settings, clock)
    close_sqlite(engine)
    return DemoFirm(folder / "brokerguard.db", folder / "var", passwords)


def demo_copy(template: DemoFirm, folder: Path) -> tuple[Engine, Settings, dict[str, str]]:
    """A private copy of the demo firm in ``folder``: engine, settings, passwords."""
    engine = sqlite_copy(template.database, folder)
    shutil.copytree(template.data_dir, folder / "var")
    settings = settings_with(
        database_url=engine.url.render_as_string(hide_password=False), data_dir=folder / "var"
    )
    return engine, settings, dict(template.passwords)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        admin.dispose()
        message = f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc.__class__.__name__}"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    name = f"bg_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_engine(postgres_url: str) -> Iterator[Engine]:
    engine = make_engine(postgres_url)
    yield engine
    engine.dispose()


#: the sequences owned by a column of a public table but alembic_version, set back to
#: their start when used (what ``TRUNCATE ... RESTART IDENTITY`` did)
_RESTART_SEQUENCES = text(
    "SELECT setval(s.oid, q.seqstart, false) FROM pg_class s "
    "JOIN pg_sequence q ON q.seqrelid = s.oid "
    "JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid "
    "AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') "
    "JOIN pg_class t ON t.oid = d.refobjid "
    "JOIN pg_namespace n ON n.oid = t.relnamespace "
    "WHERE s.relkind = 'S' AND n.nspname = 'public' AND t.relname <> 'alembic_version' "
    "AND CASE WHEN s.relkind = 'S' THEN pg_sequence_last_value(s.oid) END IS NOT NULL"
)


def app_tables(conn: Connection) -> list[str]:
    """The quoted names of PostgreSQL's public tables but alembic_version."""
    query = text(
        "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = 'public' "
        "AND tablename <> 'alembic_version'"
    )
    return list(conn.execute(query).scalars())


def truncate_all(engine: Engine) -> None:
    """Empty every table but alembic_version, triggers (append-only guards) disabled,
    and restart the tables' sequences.

    Only the tables holding rows are emptied, with ``DELETE``: a ``TRUNCATE`` of all
    ~80 tables gives each table and index a new file, ~2 s a test under load (0.07 s
    this way), and most tests touch a handful of tables.
    """
    with engine.begin() as conn:
        tables = app_tables(conn)
        if tables:
            holding = " UNION ALL ".join(
                f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM {name})" for name in tables
            )
            used = conn.execute(text(holding)).scalars().all()
            if used:
                conn.execute(text("SET LOCAL session_replication_role = replica"))
                for name in used:
                    conn.execute(text(f"DELETE FROM {name}"))
        conn.execute(_RESTART_SEQUENCES)


def sqlite_copy(template: Path, directory: Path) -> Engine:
    path = directory / "brokerguard.db"
    shutil.copyfile(template, path)
    return make_engine(f"sqlite:///{path}")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> Iterator[Engine]:
    """A migrated, empty database: each test runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        eng = sqlite_copy(sqlite_template, tmp_path)
        yield eng
        eng.dispose()
        return
    pg: Engine = request.getfixturevalue("postgres_engine")
    truncate_all(pg)
    yield pg


@pytest.fixture
def sqlite_engine(tmp_path: Path, sqlite_template: Path) -> Iterator[Engine]:
    """A migrated, empty SQLite database, for tests that are not about storage."""
    eng = sqlite_copy(sqlite_template, tmp_path)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with session_factory(engine)() as s:
        yield s


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def settings(tmp_path: Path, engine: Engine) -> Settings:
    return Settings(
        database_url=engine.url.render_as_string(hide_password=False),
        data_dir=tmp_path / "var",
    )


@pytest.fixture
def client(settings: Settings, engine: Engine, clock: FixedClock) -> Iterator[TestClient]:
    app = create_app(settings, engine=engine, clock=clock)
    with TestClient(app, base_url="http://127.0.0.1") as test_client:
        yield test_client


def make_staff(engine: Engine, clock: FixedClock, username: str, *roles: Role) -> str:
    with session_factory(engine)() as s:
        create_staff_user(
            s,
            clock,
            username=username,
            password=STAFF_PASSWORD,
            roles=set(roles),
            display_name=username.title(),
        )
        s.commit()
    return username


def csrf_from(client: TestClient) -> str:
    page: str = client.get("/login").text
    marker = 'name="csrf-token" content="'
    start = page.index(marker) + len(marker)
    return page[start : page.index('"', start)]


def sign_in(
    client: TestClient, engine: Engine, clock: FixedClock, role: Role, username: str | None = None
) -> str:
    """Create a staff user with ``role``, sign in, and return the session's CSRF token.

    Also sets the token as the client's default ``X-CSRF-Token`` header so API
    calls with the session cookie pass the CSRF check.
    """
    name = username or f"{role.value.replace('_', '-')}-user"
    make_staff(engine, clock, name, role)
    token = csrf_from(client)
    response = client.post(
        "/login",
        data={
            "username": name,
            "password": STAFF_PASSWORD,
            "csrf_token": token,
            "next": "/dashboard",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    token = csrf_from(client)
    client.headers["X-CSRF-Token"] = token
    return token
