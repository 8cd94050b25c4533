"""Issue 20 item 5: schemathesis over every operation, with and without a staff session.

Each operation gets a few generated requests (``FUZZ_EXAMPLES``, default 3); each request
is sent twice, without a session and with an administrator's session (cookie and CSRF
token), against a migrated SQLite database of its own per worker. A request fails the
run on any 5xx, a status code the document does not declare, a content type it does not
declare, or a body that does not match the declared schema.

Left out: the two social-media disclosure checks (``POST``), which fetch the accounts'
public pages over the Internet (no network beyond loopback in tests); the list of past
checks (``GET``) is fuzzed.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from brokerguard.clock import SystemClock
from brokerguard.config import Settings
from brokerguard.db.engine import make_engine, session_factory
from brokerguard.staff.roles import Role
from brokerguard.staff.service import create_staff_user
from brokerguard.web.app import create_app
from tests.conftest import STAFF_PASSWORD, csrf_from

FUZZ_EXAMPLES = int(os.environ.get("BROKERGUARD_FUZZ_EXAMPLES", "3"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
NETWORK_OPERATIONS = r"^/api/v1/social/disclosure/checks"


def _document() -> dict[str, Any]:
    """The document as the app serves it (building it touches no database)."""
    directory = tempfile.mkdtemp(prefix="bg-openapi-")
    try:
        settings_ = Settings(database_url=f"sqlite:///{directory}/x.db", data_dir=Path(directory))
        return create_app(settings_).openapi()
    finally:
        shutil.rmtree(directory, ignore_errors=True)


SCHEMA = schemathesis.openapi.from_dict(_document()).exclude(
    method="POST", path_regex=NETWORK_OPERATIONS
)


class Fuzzed:
    """The app, and a client without and with an administrator's session."""

    def __init__(self, app: Any, cookies: dict[str, str], csrf: str) -> None:
        self.anonymous = asgi.get_client(app)
        self.staff = asgi.get_client(app)
        for name, value in cookies.items():
            self.staff.cookies.set(name, value)
        self.staff.headers["X-CSRF-Token"] = csrf
        self.requests = 0
        for client in (self.anonymous, self.staff):
            client.hooks["response"].append(self._count)

    def _count(self, response: Any, *args: Any, **kwargs: Any) -> None:
        self.requests += 1


@pytest.fixture(scope="module")
def fuzzed(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzed]:
    directory = tmp_path_factory.mktemp("fuzz")
    shutil.copyfile(sqlite_template, directory / "brokerguard.db")
    engine = make_engine(f"sqlite:///{directory / 'brokerguard.db'}")
    clock = SystemClock()
    with session_factory(engine)() as session:
        create_staff_user(
            session, clock, username="fuzz-admin", password=STAFF_PASSWORD, roles={Role.admin}
        )
        session.commit()
    app = create_app(
        Settings(database_url=str(engine.url), data_dir=directory / "var"),
        engine=engine,
        clock=clock,
    )
    with TestClient(app, base_url="http://127.0.0.1") as client:
        token = csrf_from(client)
        form = {"username": "fuzz-admin", "password": STAFF_PASSWORD, "csrf_token": token}
        signed_in = client.post(
            "/login", data={**form, "next": "/dashboard"}, follow_redirects=False
        )
        assert signed_in.status_code == 303, signed_in.text
        fuzz = Fuzzed(app, dict(client.cookies), csrf_from(client))
        yield fuzz
    engine.dispose()
    log = os.environ.get("BROKERGUARD_FUZZ_LOG")  # the run's size, for docs/api.md
    if log:
        with Path(log).open("a", encoding="utf-8") as out:
            out.write(f"{fuzz.requests}\n")


@SCHEMA.parametrize()
@settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_keeps_its_contract(case: schemathesis.Case[Any], fuzzed: Fuzzed) -> None:
    case.call_and_validate(session=fuzzed.anonymous, checks=CHECKS)
    case.call_and_validate(session=fuzzed.staff, checks=CHECKS)
