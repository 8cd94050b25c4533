from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from brokerguard.cli import runtime
from brokerguard.cli.main import app as cli
from brokerguard.clock import FixedClock
from brokerguard.config import Settings, get_settings
from brokerguard.db.engine import session_factory
from brokerguard.evidence.service import evidence_for
from brokerguard.mobile.analysis import ArtifactReport
from brokerguard.mobile.models import MobileRelease
from brokerguard.staff.roles import Role
from tests.conftest import make_staff
from tests.mobile.apkbuild import ReleaseSigner, build_ipa
from tests.mobile.conftest import APK_DIR, TINY_PACKAGE, write
from tests.mobile.helpers import make_app, pass_lab_test
from tests.mobile.hostile import bomb_zip, traversal_zip


class _Page(BaseHTTPRequestHandler):
    body = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()
        self.wfile.write(type(self).body)

    def log_message(self, format: str, *args: object) -> None:
        return


EXPECTED = json.loads((APK_DIR / "expected-facts.json").read_text(encoding="utf-8"))


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def cli_db(
    engine: Engine, settings: Settings, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Engine]:
    monkeypatch.setenv("BROKERGUARD_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("BROKERGUARD_DATA_DIR", str(settings.data_dir))
    get_settings.cache_clear()
    runtime.engine.cache_clear()
    monkeypatch.setattr(runtime, "clock", lambda: clock)
    yield engine
    runtime.engine.cache_clear()
    get_settings.cache_clear()


@pytest.mark.parametrize("name", sorted(n for n in EXPECTED if "error" not in EXPECTED[n]))
def test_analyze_json_agrees_with_oracle(runner: CliRunner, name: str) -> None:
    result = runner.invoke(cli, ["app", "analyze", str(APK_DIR / name), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    for key, value in EXPECTED[name].items():
        assert data[key] == value, key
    assert isinstance(data["findings"], list)


def test_analyze_text_output(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["app", "analyze", str(APK_DIR / "a2dp.Vol_137.apk")])
    assert result.exit_code == 0
    assert "a2dp.Vol" in result.stdout and "READ_CONTACTS" in result.stdout


def test_analyze_ipa_json(runner: CliRunner, tmp_path: Path) -> None:
    path = write(tmp_path, "trade.ipa", build_ipa())
    result = runner.invoke(cli, ["app", "analyze", str(path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["bundle_id"] == "tw.com.demosec.trade" and data["min_os"] == "15.0"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("empty.apk", b""),
        ("text.apk", b"plain text"),
        ("cut.apk", (APK_DIR / "a2dp.Vol_137.apk").read_bytes()[:5000]),
        ("bomb.apk", bomb_zip(8 * 1024 * 1024)),
        ("evil.apk", traversal_zip()),
    ],
)
def test_analyze_bad_artifact_json_error(
    runner: CliRunner, tmp_path: Path, name: str, content: bytes
) -> None:
    path = write(tmp_path, name, content)
    result = runner.invoke(cli, ["app", "analyze", str(path), "--json"])
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    assert set(data["error"]) >= {"code", "message"}
    assert name in data["error"]["message"]
    assert "Traceback" not in result.output


def test_analyze_multidex_and_missing(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["app", "analyze", str(APK_DIR / "multidex.apk"), "--json"])
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"]["code"] == "artifact_manifest_invalid"
    missing = runner.invoke(cli, ["app", "analyze", str(tmp_path / "none.apk")])
    assert missing.exit_code == 2
    assert "none.apk" in missing.stderr


def test_gate_exit_codes(
    runner: CliRunner,
    cli_db: Engine,
    clock: FixedClock,
    settings: Settings,
    tmp_path: Path,
    good_apk: bytes,
    release_signer: ReleaseSigner,
) -> None:
    with session_factory(cli_db)() as session:
        app = make_app(session, clock, certs=[release_signer.cert_sha256])
        pass_lab_test(session, clock, settings, app, clock.now().date().replace(month=9))
        session.commit()
    make_staff(cli_db, clock, "sec-chen", Role.security)
    make_staff(cli_db, clock, "comp-lin", Role.compliance)
    path = write(tmp_path, "trade.apk", good_apk)

    failing = runner.invoke(cli, ["app", "gate", str(path), "--app", "trade-android", "--json"])
    assert failing.exit_code == 1, failing.output
    data = json.loads(failing.stdout)
    assert data["passed"] is False and data["failed_rules"] == ["dual_approval"]

    registered = runner.invoke(cli, ["app", "release", str(path), "--app", "trade-android"])
    assert registered.exit_code == 0, registered.output
    sha = data["artifact_sha256"]
    base = ["app", "approve", "--app", "trade-android", "--artifact", sha]
    same = runner.invoke(cli, [*base, "--unit", "compliance", "--by", "sec-chen", "--comment", "x"])
    assert same.exit_code == 1  # not in the compliance unit
    ok = runner.invoke(cli, [*base, "--unit", "security", "--by", "sec-chen", "--comment", "ok"])
    assert ok.exit_code == 0, ok.output
    ok = runner.invoke(cli, [*base, "--unit", "compliance", "--by", "comp-lin", "--comment", "ok"])
    assert ok.exit_code == 0, ok.output

    passing = runner.invoke(cli, ["app", "gate", str(path), "--app", "trade-android", "--json"])
    assert passing.exit_code == 0, passing.output
    assert json.loads(passing.stdout)["passed"] is True
    text = runner.invoke(cli, ["app", "gate", str(path), "--app", "trade-android"])
    assert text.exit_code == 0 and "PASS" in text.stdout

    published = runner.invoke(
        cli, ["app", "publish", str(path), "--app", "trade-android", "--date", "115/11/26"]
    )
    assert published.exit_code == 0, published.output
    listing = runner.invoke(cli, ["app", "listing", "--format", "json"])
    assert json.loads(listing.stdout)["apps"][0]["version"] == "1.0"
    with Session(cli_db) as session:
        kinds = {
            r.kind
            for requirement in ("A6.3.1.1", "A6.3.1.4")
            for r in evidence_for(session, requirement)
        }
    assert kinds == {"permission_declaration", "approval_record"}

    server = HTTPServer(("127.0.0.1", 0), _Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/apps.json"
        _Page.body = listing.stdout.encode()
        same = runner.invoke(cli, ["app", "listing-check", "--url", url])
        assert same.exit_code == 0, same.output
        _Page.body = b'{"apps": [{"app": "trade-android", "version": "0.1"}]}'
        differs = runner.invoke(cli, ["app", "listing-check", "--url", url])
        assert differs.exit_code == 1 and "0.1" in differs.stdout
    finally:
        server.shutdown()
        server.server_close()
    with Session(cli_db) as session:
        snapshots = evidence_for(session, "A6.3.1.2")
    assert {r.kind for r in snapshots} == {"website_snapshot"} and len(snapshots) == 2
    assert runner.invoke(cli, ["app", "listing-check"]).exit_code == 2  # no URL


def test_gate_bad_input(
    runner: CliRunner, cli_db: Engine, clock: FixedClock, tmp_path: Path, good_apk: bytes
) -> None:
    path = write(tmp_path, "trade.apk", good_apk)
    unknown = runner.invoke(cli, ["app", "gate", str(path), "--app", "nope", "--json"])
    assert unknown.exit_code == 2
    assert json.loads(unknown.stdout)["error"]["code"] == "not_found"
    with session_factory(cli_db)() as session:
        make_app(session, clock, certs=[])
        session.commit()
    bad = write(tmp_path, "bad.apk", b"PK\x03\x04broken")
    result = runner.invoke(cli, ["app", "gate", str(bad), "--app", "trade-android", "--json"])
    assert result.exit_code == 2
    assert "bad.apk" in json.loads(result.stdout)["error"]["message"]


def test_bad_release_leaves_registry_unchanged(
    runner: CliRunner, cli_db: Engine, clock: FixedClock, tmp_path: Path
) -> None:
    with session_factory(cli_db)() as session:
        make_app(session, clock, certs=[])
        session.commit()
    for name, content in (
        ("bomb.apk", bomb_zip(8 * 1024 * 1024)),
        ("evil.apk", traversal_zip()),
        ("cut.apk", (APK_DIR / "a2dp.Vol_137.apk").read_bytes()[:3000]),
    ):
        path = write(tmp_path, name, content)
        result = runner.invoke(cli, ["app", "release", str(path), "--app", "trade-android"])
        assert result.exit_code == 2, result.output
    wrong = runner.invoke(
        cli, ["app", "release", str(APK_DIR / "a2dp.Vol_137.apk"), "--app", "trade-android"]
    )
    assert wrong.exit_code == 2  # another package
    with Session(cli_db) as session:
        assert session.scalar(select(func.count()).select_from(MobileRelease)) == 0


def test_register_and_purpose_commands(
    runner: CliRunner, cli_db: Engine, good_report: ArtifactReport
) -> None:
    args = [
        "app", "register", "--app", "trade-ios", "--name-zh", "示範下單", "--name-en", "Trade",
        "--platform", "ios", "--package", "tw.com.demosec.trade",
        "--store-url", "https://apps.apple.com/tw/app/id1",
    ]  # fmt: skip
    assert runner.invoke(cli, args).exit_code == 0
    assert runner.invoke(cli, args).exit_code == 1  # conflict: already registered
    bad = runner.invoke(cli, [*args[:3], "BAD ID!", *args[4:]])
    assert bad.exit_code == 2
    insecure = [*args[:-1], "http://apps.apple.com/x"]
    insecure[3] = "trade-ios-2"
    assert runner.invoke(cli, insecure).exit_code == 2
    purpose = runner.invoke(
        cli,
        ["app", "purpose", "--app", "trade-ios", "--permission", "NSCameraUsageDescription",
         "--zh", "開戶拍攝證件", "--en", "ID photos for account opening"],
    )  # fmt: skip
    assert purpose.exit_code == 0, purpose.output
    empty = runner.invoke(
        cli,
        ["app", "purpose", "--app", "trade-ios", "--permission", "X", "--zh", " ", "--en", "e"],
    )
    assert empty.exit_code == 2


def test_lab_due_command(
    runner: CliRunner, cli_db: Engine, clock: FixedClock, settings: Settings
) -> None:
    with session_factory(cli_db)() as session:
        make_app(session, clock, certs=[], package=TINY_PACKAGE)
        session.commit()
    result = runner.invoke(cli, ["app", "lab-due", "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["apps"][0]["overdue"] is True


def test_cli_argument_errors(
    runner: CliRunner,
    cli_db: Engine,
    clock: FixedClock,
    tmp_path: Path,
    good_apk: bytes,
    release_signer: ReleaseSigner,
) -> None:
    with session_factory(cli_db)() as session:
        make_app(session, clock, certs=[release_signer.cert_sha256])
        session.commit()
    assert runner.invoke(cli, ["app", "listing", "--format", "xml"]).exit_code == 2
    html = runner.invoke(cli, ["app", "listing", "--format", "html"])
    assert html.exit_code == 0 and "<table>" in html.stdout
    missing = runner.invoke(
        cli, ["app", "checklist-import", str(tmp_path / "none.csv"), "--version", "v1"]
    )
    assert missing.exit_code == 2
    bad_csv = write(tmp_path, "bad.csv", "編號,L1\n1,maybe\n".encode())
    result = runner.invoke(cli, ["app", "checklist-import", str(bad_csv), "--version", "v1"])
    assert result.exit_code == 2 and "missing column" in result.stderr
    empty = write(tmp_path, "empty.csv", b"")
    assert (
        runner.invoke(cli, ["app", "checklist-import", str(empty), "--version", "v1"]).exit_code
        == 2
    )
    path = write(tmp_path, "trade.apk", good_apk)
    assert (
        runner.invoke(cli, ["app", "release", str(path), "--app", "trade-android"]).exit_code == 0
    )
    again = runner.invoke(cli, ["app", "release", str(path), "--app", "trade-android"])
    assert again.exit_code == 1  # conflict
    bad_reason = runner.invoke(
        cli, ["app", "release", str(path), "--app", "trade-android", "--major", "colour"]
    )
    assert bad_reason.exit_code == 2
    bad_date = runner.invoke(
        cli, ["app", "publish", str(path), "--app", "trade-android", "--date", "someday"]
    )
    assert bad_date.exit_code == 2
    gate_fails = runner.invoke(cli, ["app", "publish", str(path), "--app", "trade-android"])
    assert gate_fails.exit_code == 1 and "dual_approval" in gate_fails.stderr
    sha = "0" * 64
    base = ["app", "approve", "--app", "trade-android", "--artifact", sha, "--comment", "ok"]
    assert runner.invoke(cli, [*base, "--unit", "security", "--by", "x"]).exit_code == 2
    make_staff(cli_db, clock, "sec-chen", Role.security)
    real = json.loads(runner.invoke(cli, ["app", "analyze", str(path), "--json"]).stdout)
    base[5] = real["artifact_sha256"]
    assert runner.invoke(cli, [*base, "--unit", "legal", "--by", "sec-chen"]).exit_code == 2
    assert runner.invoke(cli, [*base, "--unit", "security", "--by", "nobody"]).exit_code == 2
    ok = runner.invoke(cli, [*base, "--unit", "security", "--by", "sec-chen"])
    assert ok.exit_code == 0, ok.output
