from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from brokerguard.assessment.engine import run_assessment
from brokerguard.assessment.registry import CheckContext, CheckDefinition, CheckResult, registry
from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.db.engine import session_factory
from brokerguard.errors import ConflictError, NotFoundError, ValidationError
from brokerguard.findings import intake, service
from brokerguard.findings.schemas import FindingStatus
from brokerguard.staff.roles import Role
from brokerguard.tabular import ImportMode, ImportRejectedError
from tests.conftest import sign_in
from tests.loop_guard import sql_on_event_loop

REMARKS = (
    "意見編號,條文編號,缺失摘要,嚴重度,負責單位,改善期限\n"
    "115-查-01,A9.7,密碼錯誤鎖定門檻設定為 10 次,高,資訊部,115/12/31\n"
    "115-查-02,A9.8,未定期覆核帳號,中,資訊部,115/10/31\n"
    "115-查-03,Z9.9,不存在的條文,中,資訊部,115/12/31\n"
)


@pytest.fixture
def failing_check() -> Iterator[str]:
    """A check bound to A9.7 that always fails, registered for one test only."""
    check_id = "tests.always_fails"

    def always_fails(ctx: CheckContext) -> CheckResult:
        return CheckResult.failed("門檻為 10 次", "Threshold is 10", evidence=["record:x:1"])

    def always_passes(ctx: CheckContext) -> CheckResult:
        return CheckResult.passed("符合", "Fine")

    registry.register(
        CheckDefinition(check_id, ("A9.7",), "鎖定門檻", "Lockout threshold", always_fails)
    )
    registry.register(CheckDefinition("tests.always_passes", ("A9.7",), "t", "t", always_passes))
    yield check_id
    registry._checks.pop(check_id, None)
    registry._checks.pop("tests.always_passes", None)


def test_finding_from_a_failed_check(
    session: Session, settings: Settings, clock: FixedClock, failing_check: str
) -> None:
    with pytest.raises(NotFoundError):
        intake.finding_from_check(session, clock, check_id="x")
    run_assessment(session, settings, clock)
    session.commit()
    failed = intake.failed_checks(session)
    first = next(c for c in failed if c["check_id"] == failing_check)
    finding = intake.finding_from_check(
        session, clock, check_id=first["check_id"], owner="資安部", due_date=date(2026, 12, 31)
    )
    assert finding.source == "check" and finding.requirement_id == first["requirement_ids"][0]
    assert "門檻為 10 次" in finding.description and "record:x:1" in finding.description
    again = intake.finding_from_check(session, clock, check_id=first["check_id"])
    assert again.id == finding.id
    with pytest.raises(NotFoundError):
        intake.finding_from_check(session, clock, check_id="no.such.check")
    with pytest.raises(ValidationError):
        intake.finding_from_check(session, clock, check_id=first["check_id"], requirement_id="A1.1")


def test_passing_check_cannot_become_a_finding(
    session: Session, settings: Settings, clock: FixedClock, failing_check: str
) -> None:
    run_assessment(session, settings, clock)
    session.commit()
    with pytest.raises(ConflictError):
        intake.finding_from_check(session, clock, check_id="tests.always_passes")


def test_import_remarks_and_export(session: Session, clock: FixedClock) -> None:
    content = REMARKS.encode("cp950")
    with pytest.raises(ImportRejectedError) as caught:
        intake.import_remarks(session, clock, content, "r.csv", mode=ImportMode.all_or_nothing)
    assert caught.value.errors[0].line == 4
    assert service.list_findings(session) == []
    outcome = intake.import_remarks(session, clock, content, "r.csv", mode=ImportMode.valid_rows)
    assert outcome.loaded == 2
    overdue = service.overdue(session, date(2026, 11, 26))
    assert [f.source_ref for f in overdue] == ["115-查-02"]
    # importing the same remarks again does not duplicate open findings
    intake.import_remarks(session, clock, content, "r.csv", mode=ImportMode.valid_rows)
    assert len(service.list_findings(session)) == 2
    book = load_workbook(io.BytesIO(intake.export_findings(session, "xlsx", date(2026, 11, 26))))
    sheet = book.active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "編號" and len(rows) == 3
    assert any(r[11] == "是" for r in rows[1:])  # overdue column
    with pytest.raises(ValidationError):
        intake.export_findings(session, "doc", date(2026, 11, 26))


def test_evidence_reference_format() -> None:
    assert intake.check_evidence_reference(None) is None
    assert intake.check_evidence_reference("  ") is None
    good = "evidence:sha256:" + "a" * 64
    assert intake.check_evidence_reference(good) == good
    for bad in ("evidence:sha256:xyz", "http://evil", "evidence:sha256:" + "A" * 64):
        with pytest.raises(ValidationError):
            intake.check_evidence_reference(bad)


def test_findings_over_http(client: TestClient, engine: Engine, clock: FixedClock) -> None:
    token = sign_in(client, engine, clock, Role.security)
    created = client.post(
        "/api/v1/findings",
        json={
            "requirement_id": "A9.7",
            "title": "鎖定門檻",
            "source": "inspection",
            "source_ref": "115-01",
            "due_date": "2026-11-01",
            "severity": "high",
        },
    )
    assert created.status_code == 201, created.text
    finding_id = created.json()["id"]
    assert (
        client.post("/api/v1/findings", json={"requirement_id": "Q1", "title": "t"}).status_code
        == 404
    )
    assert (
        client.post("/api/v1/findings", json={"requirement_id": "A9.7", "title": ""}).status_code
        == 422
    )
    assert (
        client.post(
            "/api/v1/findings", json={"requirement_id": "A9.7", "title": "t", "source": "check"}
        ).status_code
        == 422
    )
    overdue = client.get("/api/v1/findings/overdue").json()
    assert [f["id"] for f in overdue] == [finding_id]
    assert client.get("/api/v1/findings", params={"overdue": True}).json()[0]["id"] == finding_id
    assert client.get("/api/v1/findings", params={"status": "nope"}).status_code == 422
    planned = client.post(f"/api/v1/findings/{finding_id}/plan", json={"plan": "調整為 5 次"})
    assert planned.json()["status"] == "in_progress"
    assert client.post(f"/api/v1/findings/{finding_id}/plan", json={"plan": ""}).status_code == 422
    bad_ref = client.post(
        f"/api/v1/findings/{finding_id}/close",
        json={"note": "done", "closing_evidence": "../../etc/passwd"},
    )
    assert bad_ref.status_code == 422 and bad_ref.json()["error"]["field"] == "closing_evidence"
    closed = client.post(
        f"/api/v1/findings/{finding_id}/close-with-file",
        data={"note": "已上線並驗證"},
        files={"file": ("lockout.txt", b"lockout threshold = 5\n", "text/plain")},
    )
    assert closed.status_code == 200, closed.text
    assert closed.json()["closing_evidence"].startswith("evidence:sha256:")
    assert (
        client.post(f"/api/v1/findings/{finding_id}/close", json={"note": "x"}).status_code == 409
    )
    page = client.get(f"/findings/{finding_id}", headers={"accept": "text/html"})
    assert "evidence:sha256:" in page.text
    form = client.post(
        "/findings/new",
        data={
            "csrf_token": token,
            "requirement_id": "A9.7",
            "title": "",
            "source": "audit",
            "severity": "low",
        },
    )
    assert form.status_code == 422 and "required" in form.text
    listing = client.get("/findings", params={"overdue": "true"}, headers={"accept": "text/html"})
    assert listing.status_code == 200
    export = client.get("/findings/export.csv")
    assert "鎖定門檻" in export.content.decode("utf-8-sig")
    assert client.get("/findings/export.pdf").status_code == 422


def test_dashboard_can_list_overdue(engine: Engine, clock: FixedClock) -> None:
    with session_factory(engine)() as session:
        record = service.open_finding(
            session,
            clock,
            requirement_id="A9.7",
            title="t",
            source="inspection",
            source_ref="r1",
            due_date=date(2026, 11, 30),
        )
        session.commit()
        assert service.overdue(session, date(2026, 11, 26)) == []
        clock.advance(timedelta(days=10))
        assert [f.id for f in service.overdue(session, date(2026, 12, 6))] == [record.id]
        assert service.get_finding(session, record.id).status is FindingStatus.open


def test_from_check_and_import_over_http(
    client: TestClient,
    engine: Engine,
    settings: Settings,
    clock: FixedClock,
    failing_check: str,
) -> None:
    token = sign_in(client, engine, clock, Role.security)
    none_yet = client.post("/api/v1/findings/from-check", json={"check_id": failing_check})
    assert none_yet.status_code == 404
    with session_factory(engine)() as session:
        run_assessment(session, settings, clock)
        session.commit()
    candidates = client.get("/api/v1/findings/failed-checks").json()
    assert failing_check in {c["check_id"] for c in candidates}
    created = client.post(
        "/api/v1/findings/from-check",
        json={"check_id": failing_check, "owner": "資訊部", "due_date": "2026-12-31"},
    )
    assert created.status_code == 201 and created.json()["source"] == "check"
    for body in (
        {"check_id": ""},
        {"check_id": "x" * 200},
        {"check_id": failing_check, "severity": "huge"},
    ):
        assert client.post("/api/v1/findings/from-check", json=body).status_code == 422
    passing = client.post("/api/v1/findings/from-check", json={"check_id": "tests.always_passes"})
    assert passing.status_code == 409
    page = client.post(
        "/findings/from-check",
        data={"csrf_token": token, "check_id": failing_check, "due_date": "bad"},
    )
    assert page.status_code == 422 and "改善期限不是有效日期" in page.text
    assert f'value="{failing_check}" checked' in page.text and 'value="bad"' in page.text
    ok = client.post(
        "/findings/from-check",
        data={"csrf_token": token, "check_id": failing_check},
        follow_redirects=False,
    )
    assert ok.status_code == 303 and ok.headers["location"] == f"/findings/{created.json()['id']}"
    imported = client.post(
        "/api/v1/findings/import",
        files={"file": ("r.csv", REMARKS.encode("cp950"), "text/csv")},
        data={"mode": "valid_rows"},
    ).json()
    assert imported["loaded"] == 2 and imported["errors"][0]["column"] == "requirement_id"
    plan_page = client.post(
        f"/findings/{created.json()['id']}/plan",
        data={"csrf_token": token, "plan": "", "due_date": ""},
    )
    assert plan_page.status_code == 422
    close_page = client.post(
        f"/findings/{created.json()['id']}/close",
        data={"csrf_token": token, "note": "ok", "closing_evidence": "nope"},
    )
    assert close_page.status_code == 422 and "結案佐證須為證據參照" in close_page.text
    assert client.get("/api/v1/findings/nope").status_code == 404


def test_the_close_form_works_off_the_event_loop(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    """Refused, then closed with a file: no SQL on the event loop (before: the close and
    its page ran on it)."""
    token = sign_in(client, engine, clock, Role.security)
    created = client.post(
        "/api/v1/findings",
        json={"requirement_id": "A9.7", "title": "鎖定門檻過高", "source": "audit"},
    )
    assert created.status_code == 201, created.text
    finding = created.json()["id"]
    with sql_on_event_loop(engine) as on_loop:
        refused = client.post(
            f"/findings/{finding}/close",
            data={"csrf_token": token, "note": "ok", "closing_evidence": "nope"},
        )
        closed = client.post(
            f"/findings/{finding}/close",
            data={"csrf_token": token, "note": "已上線並驗證"},
            files={"file": ("lockout.txt", b"lockout threshold = 5\n", "text/plain")},
            follow_redirects=False,
        )
    assert (refused.status_code, closed.status_code) == (422, 303)
    assert "結案佐證須為證據參照" in refused.text
    assert on_loop == [], on_loop
