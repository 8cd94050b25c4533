"""One configuration: domain sections in the TOML file, two environment spellings,
rule floors refused wherever written, ``config show``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from brokerguard.cli import runtime
from brokerguard.cli.main import app
from brokerguard.config import SettingsError, get_settings, load_settings


@pytest.fixture(autouse=True)
def _fresh_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.delenv("BROKERGUARD_CONFIG_FILE", raising=False)
    monkeypatch.setenv("BROKERGUARD_DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite'}")
    monkeypatch.setenv("BROKERGUARD_DATA_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    runtime.engine.cache_clear()
    yield
    get_settings.cache_clear()
    runtime.engine.cache_clear()


def _config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, text: str) -> Path:
    monkeypatch.chdir(tmp_path)  # a short name: the table form does not wrap it
    path = Path("settings.toml")
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("BROKERGUARD_CONFIG_FILE", str(path))
    return path


def _show_json() -> dict[str, object]:
    result = CliRunner().invoke(app, ["config", "show", "--json"])
    assert result.exit_code == 0, result.output
    data: dict[str, object] = json.loads(result.stdout)
    return data


def test_a_domain_section_in_the_file_is_read(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _config(monkeypatch, tmp_path, "[auth]\nlock_threshold = 3\n")
    shown = _show_json()
    assert shown["auth"] == {**shown["auth"], "lock_threshold": 3}  # type: ignore[dict-item]
    assert isinstance(shown["audit"], dict)
    assert shown["audit"]["retention_years"] == 5


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ("[auth]\nlock_threshold = 9\n", "auth.lock_threshold"),
        ("[auth]\npassword_min_length = 5\n", "auth.password_min_length"),
        ("[audit]\nretention_years = 4\n", "audit.retention_years"),
        ("[auth]\nlock_treshold = 3\n", "auth.lock_treshold"),
        ("[phishng]\nscan_max_age_days = 3\n", "phishng"),
    ],
)
@pytest.mark.parametrize(
    "command",
    [
        ["config", "show"],
        ["version"],
        ["db", "status"],
        ["training", "people", "list"],
        ["iot", "export", "out.csv"],
        ["audit", "public-key"],
    ],
)
def test_a_floor_or_a_misspelt_key_in_the_file_stops_every_command(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, toml: str, key: str, command: list[str]
) -> None:
    path = _config(monkeypatch, tmp_path, toml)
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 2, result.output
    assert key in result.stderr
    assert str(path) in result.stderr.replace("\n", "")


def test_both_environment_names_work_and_the_nested_one_wins(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _config(monkeypatch, tmp_path, "[auth]\nlock_threshold = 3\npassword_min_length = 9\n")
    monkeypatch.setenv("BROKERGUARD_AUTH_PASSWORD_MIN_LENGTH", "10")
    assert load_settings().auth.password_min_length == 10  # environment beats the file
    monkeypatch.setenv("BROKERGUARD_AUTH__PASSWORD_MIN_LENGTH", "12")
    monkeypatch.setenv("BROKERGUARD_AUTH_LOCK_THRESHOLD", "4")
    settings = load_settings()
    assert settings.auth.password_min_length == 12
    assert settings.auth.lock_threshold == 4


@pytest.mark.parametrize(
    ("name", "value", "key"),
    [
        ("BROKERGUARD_AUTH__LOCK_THRESHOLD", "6", "auth.lock_threshold"),
        ("BROKERGUARD_AUTH_LOCK_THRESHOLD", "6", "auth.lock_threshold"),
        ("BROKERGUARD_AUDIT_RETENTION_YEARS", "3", "audit.retention_years"),
        ("BROKERGUARD_AUTH__PASSWORD_MIN_LENGTH", "4", "auth.password_min_length"),
    ],
)
def test_a_floor_in_the_environment_is_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, key: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert caught.value.field == key
    assert f"environment variable {name}" in caught.value.message
    result = CliRunner().invoke(app, ["version"])
    assert result.exit_code == 2
    assert key in result.stderr


def test_a_floor_given_in_code_is_refused_too() -> None:
    with pytest.raises(SettingsError, match=r"auth\.lock_threshold"):
        load_settings(auth={"lock_threshold": 8})


def test_a_missing_or_broken_file_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BROKERGUARD_CONFIG_FILE", str(tmp_path / "nope.toml"))
    with pytest.raises(SettingsError, match=r"nope\.toml, which is not a file"):
        load_settings()
    _config(monkeypatch, tmp_path, "[auth\n")
    result = CliRunner().invoke(app, ["version"])
    assert result.exit_code == 2
    assert "is not valid TOML" in result.stderr


def test_config_show_hides_secrets_and_names_each_source(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = _config(
        monkeypatch, tmp_path, '[auth]\nlock_threshold = 4\n[notify]\nsmtp_password = "hunter2"\n'
    )
    monkeypatch.setenv("BROKERGUARD_REDIS_URL", "redis://queue:s3cret@127.0.0.1:6379/0")
    monkeypatch.setenv("BROKERGUARD_PHISHING__SCAN_MAX_AGE_DAYS", "3")
    shown = _show_json()
    assert shown["notify"]["smtp_password"] == "***"  # type: ignore[index]
    assert shown["redis_url"] == "redis://queue:***@127.0.0.1:6379/0"
    # the CLI's console is made once per process, with the width of whatever terminal the
    # first import saw; give it room so each row stays on one line
    monkeypatch.setattr(runtime, "console", Console(width=300))
    table = CliRunner().invoke(app, ["config", "show"])
    assert table.exit_code == 0, table.output
    assert "hunter2" not in table.stdout and "s3cret" not in table.stdout
    rows = {line.split("│")[1].strip(): line for line in table.stdout.splitlines() if "│" in line}
    assert f"file {path}" in rows["auth.lock_threshold"]
    assert "BROKERGUARD_PHISHING__SCAN_MAX_AGE_DAYS" in rows["phishing.scan_max_age_days"]
    assert "default" in rows["iot.reassess_days"]


@pytest.mark.parametrize("section", ["AUTH", "STAFF"])
def test_production_refuses_argon2_below_owasp_naming_where_it_was_set(
    monkeypatch: pytest.MonkeyPatch, section: str
) -> None:
    monkeypatch.setenv("BROKERGUARD_ENV", "production")
    for key, value in (("ARGON2_TIME_COST", "2"), ("ARGON2_MEMORY_KIB", "19456")):
        for other in ("AUTH", "STAFF"):  # the suite's cheap costs, back to OWASP's
            monkeypatch.setenv(f"BROKERGUARD_{other}__{key}", value)
    assert load_settings().auth.argon2_meets_owasp
    monkeypatch.setenv(f"BROKERGUARD_{section}__ARGON2_TIME_COST", "1")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert caught.value.field == section.lower()
    assert f"environment variable BROKERGUARD_{section}__ARGON2_TIME_COST" in caught.value.message
    assert "OWASP" in caught.value.message
    monkeypatch.setenv(f"BROKERGUARD_{section}__ARGON2_MEMORY_KIB", "47104")  # OWASP's t=1 form
    assert load_settings().env.value == "production"
    monkeypatch.setenv("BROKERGUARD_ENV", "development")  # a demo or a test may hash cheaply
    monkeypatch.setenv(f"BROKERGUARD_{section}__ARGON2_MEMORY_KIB", "1024")
    assert not getattr(load_settings(), section.lower()).argon2_meets_owasp
