"""A new user never sees a traceback: a database never migrated, or behind the code,
stops every command with exit 2 and "run `brokerguard db upgrade`" (issue 12, item 5).

The installed ``brokerguard`` console script is run as a user runs it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command

from brokerguard.db import migrate

SCRIPT = Path(sys.executable).with_name("brokerguard")


def _run(database: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "BROKERGUARD_DATABASE_URL": f"sqlite:///{database}",
        "BROKERGUARD_DATA_DIR": str(database.parent / "var"),
    }
    return subprocess.run(
        [str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def _refused(result: subprocess.CompletedProcess[str], state: str) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "run `brokerguard db upgrade`" in result.stderr
    assert state in result.stderr
    assert "Traceback" not in output and "sqlalchemy" not in output.lower()


@pytest.mark.slow  # a `brokerguard` process each
@pytest.mark.parametrize(
    "args", [("assess",), ("audit", "verify"), ("findings", "list"), ("serve", "--port", "8103")]
)
def test_a_never_migrated_database_is_refused_with_the_fix(
    tmp_path: Path, args: tuple[str]
) -> None:
    _refused(_run(tmp_path / "empty.db", *args), "has never been migrated")


@pytest.mark.slow  # three `brokerguard` processes
def test_a_database_behind_the_code_is_refused_until_upgraded(
    tmp_path: Path, sqlite_template: Path
) -> None:
    database = tmp_path / "behind.db"
    shutil.copyfile(sqlite_template, database)  # migrated to head
    cfg = migrate.alembic_config(f"sqlite:///{database}")
    command.downgrade(cfg, "audit_0001")  # the audit branch one revision behind
    _refused(_run(database, "audit", "verify"), "is behind the code (missing audit_0002)")
    upgraded = _run(database, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert "audit_0002" in upgraded.stdout
    verified = _run(database, "audit", "verify")
    assert verified.returncode == 0 and "Traceback" not in verified.stderr, verified.stderr
