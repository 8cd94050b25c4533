from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from brokerguard.auth.models import EtradeCustomer
from brokerguard.cli import runtime
from brokerguard.cli.main import app
from brokerguard.config import get_settings
from brokerguard.db.engine import session_factory

runner = CliRunner()


@pytest.fixture
def cli_env(
    sqlite_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Engine]:
    monkeypatch.setenv(
        "BROKERGUARD_DATABASE_URL", sqlite_engine.url.render_as_string(hide_password=False)
    )
    monkeypatch.setenv("BROKERGUARD_DATA_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    runtime.engine.cache_clear()
    yield sqlite_engine
    runtime.engine().dispose()
    get_settings.cache_clear()
    runtime.engine.cache_clear()


def test_customer_create_and_enroll_totp(cli_env: Engine) -> None:
    created = runner.invoke(
        app,
        ["etrade", "customer-create", "A100200", "--password-stdin"],
        input="Trade-safely-2026\n",
    )
    assert created.exit_code == 0, created.output
    assert "Trade-safely-2026" not in created.output
    enrolled = runner.invoke(app, ["etrade", "enroll-totp", "A100200", "--device-id", "phone-1"])
    assert enrolled.exit_code == 0, enrolled.output
    uri = enrolled.output.strip().splitlines()[-1]
    assert uri.startswith("otpauth://totp/") and pyotp.parse_uri(uri).secret
    with session_factory(cli_env)() as s:
        customer = s.query(EtradeCustomer).one()
        assert customer.password_hash.startswith("$argon2id$")
    status = runner.invoke(app, ["etrade", "status", "A100200"])
    assert status.exit_code == 0 and "totp" in status.output and "open" in status.output


@pytest.mark.parametrize(
    ("args", "stdin"),
    [
        (["A100200"], "short\n"),
        (["A100200"], "onlyletters\n"),
        (["A100200"], "\n"),
        (["bad account!"], "Trade-safely-2026\n"),
        (["x" * 300], "Trade-safely-2026\n"),
        (["A100200"], "Trade\x00safely-2026\n"),
    ],
)
def test_customer_create_refuses_bad_input(cli_env: Engine, args: list[str], stdin: str) -> None:
    result = runner.invoke(
        app, ["etrade", "customer-create", *args, "--password-stdin"], input=stdin
    )
    assert result.exit_code == 2, result.output


def test_customer_create_without_stdin_flag(cli_env: Engine) -> None:
    assert runner.invoke(app, ["etrade", "customer-create", "A100200"]).exit_code == 2


def test_enroll_unknown_customer(cli_env: Engine) -> None:
    assert runner.invoke(app, ["etrade", "enroll-totp", "nobody"]).exit_code == 2


def test_unlock_needs_staff_and_reason(cli_env: Engine) -> None:
    runner.invoke(
        app,
        ["etrade", "customer-create", "A100200", "--password-stdin"],
        input="Trade-safely-2026\n",
    )
    assert (
        runner.invoke(app, ["etrade", "unlock", "A100200", "--by", "", "--reason", "x"]).exit_code
        == 2
    )
    assert (
        runner.invoke(app, ["etrade", "unlock", "A100200", "--by", "lin", "--reason", ""]).exit_code
        == 2
    )
    ok = runner.invoke(
        app, ["etrade", "unlock", "A100200", "--by", "lin", "--reason", "臨櫃核對身分"]
    )
    assert ok.exit_code == 0, ok.output


def test_rotate_keys_and_assessment(cli_env: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    runner.invoke(
        app,
        ["etrade", "customer-create", "A100200", "--password-stdin"],
        input="Trade-safely-2026\n",
    )
    runner.invoke(app, ["etrade", "enroll-totp", "A100200"])
    monkeypatch.setenv("BROKERGUARD_AUTH_SEED_KEY_VERSION", "2")
    get_settings.cache_clear()
    rotated = runner.invoke(app, ["etrade", "rotate-keys"])
    assert rotated.exit_code == 0 and "re-encrypted 1 seeds with key v2" in rotated.output
    bad = runner.invoke(
        app,
        ["etrade", "assess-biometric", "app-face", "--assessor", "lin", "--conclusion", "great"],
    )
    assert bad.exit_code == 2
    good = runner.invoke(
        app,
        [
            "etrade",
            "assess-biometric",
            "app-face",
            "--assessor",
            "lin",
            "--conclusion",
            "effective",
        ],
    )
    assert good.exit_code == 0


def test_tls_check_arguments(cli_env: Engine) -> None:
    assert runner.invoke(app, ["etrade", "tls-check"]).exit_code == 2
    assert runner.invoke(app, ["etrade", "tls-check", "a b"]).exit_code == 2
    assert runner.invoke(app, ["etrade", "tls-check", "127.0.0.1", "--port", "0"]).exit_code == 2
