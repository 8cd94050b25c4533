from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from typer.testing import CliRunner

from brokerguard.assessment.models import AssessmentRun
from brokerguard.auth.factor_totp import seed_context
from brokerguard.auth.models import EnrolledFactor
from brokerguard.auth.secretbox import SecretBox
from brokerguard.cli import demo as demo_cli
from brokerguard.cli.demo import check_demo_path
from brokerguard.cli.main import app
from brokerguard.clock import FixedClock
from brokerguard.config import Settings, load_settings
from brokerguard.db.engine import make_engine, session_factory
from brokerguard.demodata import DemoContext
from brokerguard.errors import ValidationError
from brokerguard.evidence.models import EvidenceItem
from brokerguard.findings.models import Finding
from brokerguard.kernel.audit import AuditEvent
from brokerguard.kernel.manifest import DemoStep
from brokerguard.staff.models import StaffUser


@pytest.mark.slow
def test_demo_builds_a_fresh_firm_without_serving(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two builds (each one is slow, so one test): the first keeps its keys beside the
    database, the second in ``BROKERGUARD_DATA_DIR`` (issue 13, low: the demo ignored
    the variable, so ``serve`` with it could not decrypt the demo's TOTP seeds)."""
    database = tmp_path / "demo" / "brokerguard.db"
    runner = CliRunner()
    first = runner.invoke(app, ["demo", "--database", str(database), "--no-serve"])
    assert first.exit_code == 0, first.output
    assert "URL: http://127.0.0.1:8000/dashboard" in first.output
    for name in ("html", "pdf", "xlsx"):
        report = database.parent / "reports" / f"self-assessment-zh-TW.{name}"
        assert report.stat().st_size > 0
        assert str(report) in first.output
    engine = make_engine(f"sqlite:///{database}")
    with session_factory(engine)() as session:
        assert session.scalar(select(func.count()).select_from(StaffUser)) == 5
        assert (session.scalar(select(func.count()).select_from(AssessmentRun)) or 0) >= 2
        assert session.scalar(select(func.count()).select_from(EvidenceItem))
        assert session.scalar(select(func.count()).select_from(Finding))
    engine.dispose()
    assert (database.parent / "keys").is_dir()
    # the passwords printed are random, and a second run starts from scratch; this one
    # with the documented variable naming the data directory
    data = tmp_path / "firm-data"
    monkeypatch.setenv("BROKERGUARD_DATA_DIR", str(data))
    second = runner.invoke(app, ["demo", "--database", str(database), "--no-serve"])
    assert second.exit_code == 0, second.output
    password_lines = [line for line in first.output.splitlines() if "Demo-" in line]
    assert len(password_lines) == 5
    assert password_lines != [line for line in second.output.splitlines() if "Demo-" in line]
    assert f"BROKERGUARD_DATA_DIR={data} brokerguard serve" in second.output
    served = load_settings(database_url=f"sqlite:///{database}")  # what `serve` reads
    assert served.data_dir == data and (data / "keys").is_dir()
    box = SecretBox(served.data_dir, served.auth.seed_key_version)
    engine = make_engine(f"sqlite:///{database}")
    with session_factory(engine)() as session:
        assert session.scalar(select(func.count()).select_from(StaffUser)) == 5
        seeds = session.scalars(select(EnrolledFactor).where(EnrolledFactor.type == "totp")).all()
        assert seeds
        for factor in seeds:
            assert factor.secret_ciphertext is not None
            assert box.decrypt(factor.secret_ciphertext, seed_context(factor.id))
    engine.dispose()


@pytest.mark.parametrize(
    ("relative", "content", "reason"),
    [
        ("demo/brokerguard.txt", None, "must be a"),
        ("prod/brokerguard.db", None, "must contain 'demo'"),
        ("demo/important.db", b"not a database at all", "not a SQLite database"),
    ],
)
def test_demo_refuses_other_paths(
    tmp_path: Path, relative: str, content: bytes | None, reason: str
) -> None:
    path = tmp_path / relative
    if content is not None:
        path.parent.mkdir(parents=True)
        path.write_bytes(content)
    with pytest.raises(ValidationError, match=reason):
        check_demo_path(path)
    result = CliRunner().invoke(app, ["demo", "--database", str(path), "--no-serve"])
    assert result.exit_code == 2
    if content is not None:
        assert path.read_bytes() == content  # untouched


def test_demo_refuses_a_folder_and_a_symlink(tmp_path: Path) -> None:
    folder = tmp_path / "demo" / "x.db"
    folder.mkdir(parents=True)
    with pytest.raises(ValidationError):
        check_demo_path(folder)
    target = tmp_path / "precious.db"
    target.write_bytes(b"SQLite format 3\x00")
    link = tmp_path / "demo" / "link.db"
    link.symlink_to(target)
    with pytest.raises(ValidationError):
        check_demo_path(link)
    assert target.exists()


def test_audit_events_of_the_load_are_stored_with_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_engine: Engine
) -> None:
    """Loaders' audit events ride on the load's own transaction (no SQLite self-wait)."""
    settings = Settings(
        database_url=sqlite_engine.url.render_as_string(hide_password=False),
        data_dir=tmp_path / "var",
    )
    engine = sqlite_engine
    event = AuditEvent(
        event_id=uuid.uuid4(),
        time=datetime(2026, 11, 26, tzinfo=UTC),
        account="A123000101",
        function="etrade.login",
        system="demo",
        query="login",
    )

    def load_demo(ctx: DemoContext) -> None:
        ctx.session.flush()  # the load already holds SQLite's write lock
        ctx.audit.record(event)

    monkeypatch.setattr(demo_cli, "demo_steps", lambda: [DemoStep(load_demo)])
    _, passwords = demo_cli.load_firm(engine, settings, FixedClock(datetime.now(UTC)))
    assert set(passwords) == {a.username for a in demo_cli.ACCOUNTS}
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT event_id, account FROM audit_events")).all()
    assert [(row[0], row[1]) for row in stored] == [(str(event.event_id), "A123000101")]
