"""Every way into the attestation register refuses an attester who is not a staff user
holding the role the requirement names, naming the field: the web form, the CLI and a
CSV import (the API: ``test_api.test_attestation_register``)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from brokerguard.attestations.models import AttestationItem
from brokerguard.clock import FixedClock
from brokerguard.db.engine import session_factory
from brokerguard.staff.roles import Role
from tests.conftest import make_staff, sign_in
from tests.house_helpers import cli_env, run_cli

VALUES = {
    "requirement_id": "A11.1",
    "referenced_rule": "證券商運用人工智慧技術作業規範",
    "rule_version": "113 年版",
    "attested_on": "2026-09-01",
    "next_due": "2027-09-01",
}
HEADER = "條文,引用規範,規範版本,聲明人帳號,聲明日期,下次檢視日\n"


def _count(engine: Engine) -> int:
    with session_factory(engine)() as session:
        return int(session.scalar(select(func.count()).select_from(AttestationItem)) or 0)


def test_the_form_names_the_attester_field(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    token = sign_in(client, engine, clock, Role.compliance)
    make_staff(engine, clock, "security-lin", Role.security)
    for attester in ("法遵主管 陳", "security-lin", "nobody"):
        refused = client.post(
            "/attestations", data={**VALUES, "attested_by": attester, "csrf_token": token}
        )
        assert refused.status_code == 422, attester
        assert 'id="err-attested_by"' in refused.text or "attested_by" in refused.text
    assert _count(engine) == 0
    ok = client.post(
        "/attestations",
        data={**VALUES, "attested_by": "compliance-user", "csrf_token": token},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    assert _count(engine) == 1


def test_cli_and_import_refuse_an_unresolved_attester(
    sqlite_engine: Engine, clock: FixedClock, tmp_path: Path
) -> None:
    make_staff(sqlite_engine, clock, "compliance-chou", Role.compliance)
    sets = [arg for name, value in VALUES.items() for arg in ("--set", f"{name}={value}")]
    rows = tmp_path / "attestations.csv"
    rows.write_text(
        HEADER
        + "A3.1,個資檔案安全維護辦法,112 年修正,compliance-chou,2026-03-01,2027-03-01\n"
        + "A4.1,雲端服務運作安全自律規範,113 年版,法令遵循部 周文華,2026-03-01,2027-03-01\n",
        encoding="utf-8",
    )
    with cli_env(sqlite_engine, tmp_path / "var"):
        free_text = run_cli("attestations", "items", "add", *sets, "--set", "attested_by=周文華")
        assert free_text.exit_code == 2, free_text.output
        assert "attested_by" in free_text.output
        imported = run_cli("attestations", "items", "import", str(rows))
        assert imported.exit_code == 2, imported.output
        assert "attested_by" in imported.output and "3" in imported.output  # line 3
        assert _count(sqlite_engine) == 0  # all or nothing: nothing loaded
        added = run_cli(
            "attestations", "items", "add", *sets, "--set", "attested_by=compliance-chou"
        )
        assert added.exit_code == 0, added.output
    assert _count(sqlite_engine) == 1
