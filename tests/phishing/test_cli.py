"""The CLI contract: ``brokerguard phishing check|generate|scan`` (and apps, remind)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from brokerguard.cli.main import app as cli
from brokerguard.config import Settings
from brokerguard.db.engine import session_factory
from brokerguard.evidence.service import evidence_for
from brokerguard.phishing.models import PhishingCase, ScanRun
from tests.conftest import FIXTURES
from tests.phishing.conftest import BRANDS_FILE

BRANDS = str(BRANDS_FILE)


def _lines(output: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def test_check_json_contract(runner: CliRunner) -> None:
    result = runner.invoke(
        cli,
        [
            "phishing",
            "check",
            "--brands",
            BRANDS,
            "--json",
            "yuamta.com.tw",
            "https://yuanta.com.tw/login",
            "x@@y",
        ],
    )
    assert result.exit_code == 0, result.output
    first, second, third = _lines(result.stdout)
    assert set(first) >= {"input", "domain", "flagged", "brand", "score", "kind", "reasons"}
    assert first["flagged"] is True and first["brand"] == "yuanta"
    assert second["flagged"] is False and second["kind"] == "official"
    assert set(third) == {"input", "error"} and third["input"] == "x@@y"


def test_check_reads_stdin_and_goes_on_after_errors(runner: CliRunner) -> None:
    stdin = "fubon-login.top\n\nhttp://10.0.0.1/\n" + "a" * 5000 + "\nsinopac.com\n"
    result = runner.invoke(
        cli, ["phishing", "check", "--brands", BRANDS, "--json", "-"], input=stdin
    )
    assert result.exit_code == 0
    rows = _lines(result.stdout)
    assert [("error" in r) for r in rows] == [False, True, True, False]
    assert rows[0]["flagged"] is True and rows[3]["flagged"] is False
    assert len(str(rows[2]["input"])) <= 300


def test_check_text_output(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["phishing", "check", "--brands", BRANDS, "kgi-app.com"])
    assert result.exit_code == 0 and "FLAGGED" in result.stdout


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("", "non-empty"),
        ("- name_zh: x\n", "field"),
        ("[unclosed", "YAML"),
        ("!!python/object/apply:os.system ['echo hacked']", "YAML"),
        ("# " + "x" * (3 * 1024 * 1024), "2 MiB"),
        (
            "- {name_zh: a, name_en: b, domains: [a.com], apps: [{platform: android, "
            "package: a.b, cert_sha256: nothex}]}",
            "cert_sha256",
        ),
        ("- {name_zh: a, name_en: b, domains: ['not a domain!']}", "domains"),
    ],
)
def test_bad_brand_files_exit_2(
    runner: CliRunner, tmp_path: Path, content: str, reason: str
) -> None:
    path = tmp_path / "brands.yaml"
    path.write_text(content, encoding="utf-8")
    result = runner.invoke(cli, ["phishing", "check", "--brands", str(path), "a.com"])
    assert result.exit_code == 2
    assert reason in result.stderr


def test_missing_brand_file_exit_2(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(
        cli, ["phishing", "check", "--brands", str(tmp_path / "no.yaml"), "a.com"]
    )
    assert result.exit_code == 2


def test_generate_json_contract(runner: CliRunner) -> None:
    result = runner.invoke(
        cli,
        [
            "phishing",
            "generate",
            "--brands",
            BRANDS,
            "--json",
            "--brand",
            "kgi",
            "--kind",
            "omission",
            "--kind",
            "tw-zone",
        ],
    )
    assert result.exit_code == 0, result.output
    rows = _lines(result.stdout)
    assert rows and all(set(r) >= {"domain", "brand", "kind"} for r in rows)
    assert {r["kind"] for r in rows} == {"omission", "tw-zone"}
    assert {"kgi.com.tw", "kg.com"} <= {r["domain"] for r in rows}


def test_generate_rejects_unknown_kind_and_brand(runner: CliRunner) -> None:
    bad_kind = runner.invoke(cli, ["phishing", "generate", "--brands", BRANDS, "--kind", "nope"])
    bad_brand = runner.invoke(cli, ["phishing", "generate", "--brands", BRANDS, "--brand", "x"])
    assert bad_kind.exit_code == 2 and bad_brand.exit_code == 2


def _ct_file(tmp_path: Path) -> Path:
    path = tmp_path / "ct.jsonl"
    lines = [
        json.dumps(
            {"data": {"leaf_cert": {"all_domains": ["*.yuanta-login.top", "google.com"]}}}
        ).encode(),
        json.dumps({"name_value": "fub0n.com\nexample.org"}).encode(),
        b"\xff\xfe not utf-8",
        b"{broken json",
        json.dumps({"nothing": 1}).encode(),
        b"x" * (70 * 1024),
        b"kgi-apk.net",
        b"",
        b"https://user:pw@sinopac.com/",
    ]
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def test_scan_ct_file(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(
        cli, ["phishing", "scan", "--brands", BRANDS, "--no-progress", str(_ct_file(tmp_path))]
    )
    assert result.exit_code == 0, result.output
    rows = _lines(result.stdout)
    flagged = {r["domain"] for r in rows if r.get("flagged")}
    assert flagged == {"yuanta-login.top", "fub0n.com", "kgi-apk.net"}
    errors = [str(r["error"]) for r in rows if "error" in r]
    assert len(errors) == 5
    assert any("not UTF-8" in e for e in errors) and any("64 KiB" in e for e in errors)
    assert any("credentials" in e for e in errors)
    assert "6 names" in result.stderr or "scanned" in result.stderr


def test_scan_with_progress_bar(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["phishing", "scan", "--brands", BRANDS, str(_ct_file(tmp_path))])
    assert result.exit_code == 0
    assert "scanning" in result.stderr


def test_scan_missing_file_and_bad_source(runner: CliRunner, tmp_path: Path) -> None:
    missing = runner.invoke(cli, ["phishing", "scan", "--brands", BRANDS, str(tmp_path / "x")])
    source = runner.invoke(
        cli, ["phishing", "scan", "--brands", BRANDS, "--source", "bad", str(_ct_file(tmp_path))]
    )
    assert missing.exit_code == 2 and source.exit_code == 2


def test_scan_record_stores_run_and_cases(
    runner: CliRunner, cli_db: Engine, tmp_path: Path
) -> None:
    result = runner.invoke(
        cli,
        [
            "phishing",
            "scan",
            "--brands",
            BRANDS,
            "--no-progress",
            "--record",
            str(_ct_file(tmp_path)),
        ],
    )
    assert result.exit_code == 0, result.output
    with session_factory(cli_db)() as session:
        run = session.scalars(select(ScanRun)).one()
        assert (run.source, run.flagged) == ("ct", 3)
        targets = set(session.scalars(select(PhishingCase.target)))
        assert targets == {"yuanta-login.top", "fub0n.com", "kgi-apk.net"}
        reports = evidence_for(session, "A8.1")
        assert [r.kind for r in reports] == ["monitoring_report"]


def test_brands_from_database(runner: CliRunner, cli_db: Engine) -> None:
    empty = runner.invoke(cli, ["phishing", "check", "yuanta-login.top"])
    assert empty.exit_code == 2 and "no brands" in empty.stderr
    stored = runner.invoke(cli, ["phishing", "import-brands", BRANDS])
    assert stored.exit_code == 0, stored.output
    result = runner.invoke(cli, ["phishing", "check", "--json", "yuanta-login.top"])
    assert result.exit_code == 0 and _lines(result.stdout)[0]["flagged"] is True


def test_apps_command(runner: CliRunner, tmp_path: Path, cli_db: Engine) -> None:
    facts = json.loads((FIXTURES / "apk" / "expected-facts.json").read_text(encoding="utf-8"))
    brands = tmp_path / "brands.yaml"
    cert = facts["a2dp.Vol_137.apk"]["cert_sha256"][0]
    brands.write_text(
        "- name_zh: 示範證券\n  name_en: Jamendo Securities\n  aliases: [jamendo]\n"
        "  domains: [demo-sec.com.tw]\n  apps:\n    - platform: android\n"
        f"      package: com.teleca.jamendo\n      cert_sha256: {cert}\n",
        encoding="utf-8",
    )
    listings = tmp_path / "listings.csv"
    listings.write_text("store,title,package\napkpure,示範證券 Pro,com.fake\n", encoding="utf-8")
    result = runner.invoke(
        cli,
        [
            "phishing",
            "apps",
            "--brands",
            str(brands),
            "--listings",
            str(listings),
            "--record",
            str(FIXTURES / "apk" / "com.teleca.jamendo_35.apk"),
            str(FIXTURES / "apk" / "multidex.apk"),
        ],
    )
    assert result.exit_code == 0, result.output
    rows = _lines(result.stdout)
    assert [r.get("status") for r in rows] == ["counterfeit", "counterfeit", None]
    assert rows[1]["decisive"] == "certificate" and "error" in rows[2]
    with session_factory(cli_db)() as session:
        assert session.scalars(select(ScanRun.source)).all() == ["apps"]
        assert len(session.scalars(select(PhishingCase)).all()) == 2


def test_sms_command(runner: CliRunner) -> None:
    text = "【元大證券】帳戶異常，請至 https://yuanta-verify.top/a 驗證，或 yuanta.com.tw 官網"
    result = runner.invoke(cli, ["phishing", "sms", "--brands", BRANDS, "--text", text])
    rows = _lines(result.stdout)
    assert [r["flagged"] for r in rows] == [True, False]


def test_remind_command(runner: CliRunner, cli_db: Engine, settings: Settings) -> None:
    result = runner.invoke(cli, ["phishing", "remind", "--brands", BRANDS, "--periodic"])
    assert result.exit_code == 0, result.output
    assert "banner zh-TW: 1 sent" in result.stdout
    again = runner.invoke(cli, ["phishing", "remind", "--brands", BRANDS, "--periodic"])
    assert "not due" in again.stdout
    with Session(cli_db) as session:
        assert session is not None


def test_check_stdin_bytes_not_utf8_and_huge(runner: CliRunner) -> None:
    stdin = b"\xff\xfe\n" + b"y" * 70_000 + b"\nkgi-login.top\n"
    result = runner.invoke(
        cli, ["phishing", "check", "--brands", BRANDS, "--json", "-"], input=stdin
    )
    assert result.exit_code == 0, result.output
    rows = _lines(result.stdout)
    assert ["error" in r for r in rows] == [True, True, False]
    assert "not UTF-8" in str(rows[0]["error"]) and "64 KiB" in str(rows[1]["error"])


def test_sms_from_stdin_bytes(runner: CliRunner) -> None:
    result = runner.invoke(
        cli,
        ["phishing", "sms", "--brands", BRANDS],
        input="請至 fubon-login.top 驗證 \udcff".encode("utf-8", "surrogateescape"),
    )
    assert result.exit_code == 0
    assert _lines(result.stdout)[0]["flagged"] is True
