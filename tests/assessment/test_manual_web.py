"""Manual assessment in the browser (the requirement page) and through the JSON API."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from brokerguard.assessment.models import ManualAssessment
from brokerguard.clock import FixedClock
from brokerguard.db.engine import session_factory
from brokerguard.evidence.models import EvidenceItem
from brokerguard.staff.roles import Role
from tests.assessment.conftest import REQ
from tests.conftest import make_staff, sign_in
from tests.loop_guard import sql_on_event_loop

pytestmark = pytest.mark.usefixtures("a72_checks_answer_manual")
HTML = {"accept": "text/html"}
PDF = b"%PDF-1.4\n% the yearly risk assessment, reviewed\n"
PAGE = f"/requirements/{REQ}"


def _count(engine: Engine, model: type[Any]) -> int:
    with session_factory(engine)() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def _upload_evidence(client: TestClient) -> str:
    answer = client.post(
        "/api/v1/evidence",
        files={"file": ("review.pdf", PDF, "application/pdf")},
        data={"title": "年度風險評估覆核", "kind": "review_record", "requirement_ids": REQ},
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def _form(**changes: str) -> dict[str, str]:
    values = {
        "result": "pass",
        "reason": "",
        "evidence_id": "",
        "reviewer": "bob",
        "valid_until": "116/02/24",
    }
    values.update(changes)
    return values


@pytest.fixture
def compliance(client: TestClient, engine: Engine, clock: FixedClock) -> TestClient:
    make_staff(engine, clock, "bob", Role.security)
    sign_in(client, engine, clock, Role.compliance, "alice")
    return client


def test_the_page_offers_the_form_with_reviewers_but_not_oneself(compliance: TestClient) -> None:
    page = compliance.get(PAGE, headers=HTML).text
    assert "登錄人工評估" in page
    assert 'value="bob"' in page
    assert 'value="alice"' not in page
    assert "最長一個檢視週期" in page and "366 日" in page
    assert "覆核紀錄" in page  # the evidence kind by its label, never review_record


def test_record_with_an_uploaded_file_then_the_run_counts_it(
    compliance: TestClient, engine: Engine
) -> None:
    answer = compliance.post(
        f"{PAGE}/manual",
        data=_form(reason="年度覆核完成", evidence_title="覆核紀錄 115"),
        files={"file": ("review.pdf", PDF, "application/pdf")},
        headers=HTML,
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == f"{PAGE}#manual"
    page = compliance.get(PAGE, headers=HTML).text
    assert "年度覆核完成" in page and "計入" in page and "116/02/24" in page
    assert compliance.post("/assessment/run", headers=HTML).status_code in (200, 303)
    page = compliance.get(PAGE, headers=HTML).text
    assert "人工評估：年度覆核完成（評估人 alice，覆核人 bob" in page
    assert "status status-pass big" in page
    report = compliance.get("/reports/self-assessment.html?lang=en")
    assert report.status_code == 200
    assert "Manual assessment: 年度覆核完成 (assessed by alice, reviewed by bob" in report.text
    assert _count(engine, ManualAssessment) == 1


def test_record_from_the_evidence_store_in_english(compliance: TestClient) -> None:
    evidence_id = _upload_evidence(compliance)
    compliance.get("/dashboard?lang=en")
    answer = compliance.post(
        f"{PAGE}/manual",
        data=_form(evidence_id=evidence_id, valid_until="2027-02-24"),
        headers=HTML,
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    page = compliance.get(PAGE, headers=HTML).text
    assert "Counts" in page and "2027-02-24" in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"result": "maybe"}, "請選擇結果"),
        ({"result": "fail"}, "請說明不符合或不適用之理由"),
        ({"result": "not_applicable", "reason": " "}, "請說明不符合或不適用之理由"),
        ({"reviewer": "alice"}, "覆核人須為您以外之在職人員"),
        ({"reviewer": "<script>x</script>"}, "覆核人須為您以外之在職人員"),
        ({"valid_until": "2030-01-01"}, "有效期限須介於今日至一個檢視週期屆滿之間"),
        ({"valid_until": "not a date"}, "有效期限須介於今日至一個檢視週期屆滿之間"),
        ({"valid_until": ""}, "有效期限須介於今日至一個檢視週期屆滿之間"),
        ({"evidence_id": ""}, "請自證據庫選擇本條文之有效證據"),  # neither evidence nor file
        ({"evidence_id": "../../etc/passwd"}, "請自證據庫選擇本條文之有效證據"),
    ],
)
def test_a_refusal_keeps_the_page_and_the_input_in_chinese(
    compliance: TestClient, engine: Engine, changes: dict[str, str], message: str
) -> None:
    values = _form(evidence_id=_upload_evidence(compliance), evidence_title="保留的標題")
    answer = compliance.post(f"{PAGE}/manual", data={**values, **changes}, headers=HTML)
    assert answer.status_code == 422
    assert message in answer.text
    assert "保留的標題" in answer.text  # what was typed is still there
    assert '<details class="manual-form" open>' in answer.text
    assert _count(engine, ManualAssessment) == 0


def test_a_refused_file_stores_nothing(compliance: TestClient, engine: Engine) -> None:
    for name, content in (("empty.pdf", b""), ("fake.pdf", b"MZ\x90\x00 not a pdf")):
        answer = compliance.post(
            f"{PAGE}/manual",
            data=_form(),
            files={"file": (name, content, "application/pdf")},
            headers=HTML,
        )
        assert answer.status_code in (413, 415, 422)
        assert "檔案遭拒" in answer.text
    assert _count(engine, EvidenceItem) == 0
    assert _count(engine, ManualAssessment) == 0


def test_a_wrong_evidence_kind_for_the_upload_is_refused(compliance: TestClient) -> None:
    answer = compliance.post(
        f"{PAGE}/manual",
        data=_form(evidence_kind="lab_report"),
        files={"file": ("review.pdf", PDF, "application/pdf")},
        headers=HTML,
    )
    assert answer.status_code == 422
    assert "請選擇本條文所列之證據類型" in answer.text


@pytest.mark.parametrize("role", [Role.auditor, Role.app_team])
def test_refused_roles_see_no_form_and_keep_their_input(
    client: TestClient, engine: Engine, clock: FixedClock, role: Role
) -> None:
    make_staff(engine, clock, "bob", Role.security)
    sign_in(client, engine, clock, role)
    assert "登錄人工評估" not in client.get(PAGE, headers=HTML).text
    answer = client.post(f"{PAGE}/manual", data=_form(reason="稽核備註"), headers=HTML)
    assert answer.status_code == 403
    assert "您的角色不得登錄人工評估" in answer.text
    assert "稽核備註" in answer.text
    assert _count(engine, ManualAssessment) == 0
    api = client.post("/api/v1/assessment/manual", json={"requirement_id": REQ})
    assert api.status_code in (403, 422)


def test_an_unknown_requirement_is_a_404_naming_it(compliance: TestClient) -> None:
    answer = compliance.post("/requirements/A99.1/manual", data=_form(), headers=HTML)
    assert answer.status_code == 404
    assert "A99.1" in answer.text


def test_the_api_records_lists_and_names_the_wrong_field(
    compliance: TestClient, engine: Engine
) -> None:
    evidence_id = _upload_evidence(compliance)
    body = {
        "requirement_id": REQ,
        "result": "not_applicable",
        "reason": "本公司無此業務",
        "evidence_id": evidence_id,
        "reviewer": "bob",
        "valid_until": "2027-02-24",
    }
    created = compliance.post("/api/v1/assessment/manual", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["assessor"] == "alice"
    listed = compliance.get(f"/api/v1/assessment/manual?requirement_id={REQ}").json()
    assert [m["result"] for m in listed] == ["not_applicable"]
    for changes, field in (
        ({"result": "pass!"}, "result"),
        ({"valid_until": "2031-01-01"}, "valid_until"),
        ({"valid_until": "116/02/24"}, "valid_until"),  # the API takes ISO dates only
        ({"reviewer": "alice"}, "reviewer"),
        ({"reviewer": "x" * 65}, "reviewer"),
        ({"evidence_id": "nope"}, "evidence_id"),
        ({"requirement_id": "D2.1"}, "requirement_id"),
        ({"reason": "a\u202eb"}, "reason"),  # a bidi control
        ({"extra": 1}, "extra"),
    ):
        answer = compliance.post("/api/v1/assessment/manual", json={**body, **changes})
        assert answer.status_code == 422, (changes, answer.text)
        assert field in answer.text
    for bad in ("", "[]", "{", "null", '"x"'):
        answer = compliance.post(
            "/api/v1/assessment/manual",
            content=bad,
            headers={"content-type": "application/json"},
        )
        assert answer.status_code == 422
    huge = compliance.post("/api/v1/assessment/manual", json={**body, "reason": "x" * 100_000})
    assert huge.status_code in (413, 422)
    assert _count(engine, ManualAssessment) == 1
    missing = compliance.get("/api/v1/assessment/manual?requirement_id=A99.1")
    assert missing.status_code == 404


def test_oversized_form_values_are_refused_by_name(compliance: TestClient, engine: Engine) -> None:
    for field, size in (("reason", 4001), ("reviewer", 129), ("valid_until", 33)):
        answer = compliance.post(f"{PAGE}/manual", data=_form(**{field: "9" * size}))
        assert answer.status_code == 422
        assert field in answer.text
    assert _count(engine, ManualAssessment) == 0


def test_the_form_does_its_database_work_off_the_event_loop(
    compliance: TestClient, engine: Engine
) -> None:
    """Recorded with a file, refused and refused for the role: no SQL on the event loop
    (before the fix the handler stored, recorded and rendered on it)."""
    with sql_on_event_loop(engine) as on_loop:
        recorded = compliance.post(
            f"{PAGE}/manual",
            data=_form(reason="年度覆核完成"),
            files={"file": ("review.pdf", PDF, "application/pdf")},
            headers=HTML,
            follow_redirects=False,
        )
        refused = compliance.post(f"{PAGE}/manual", data=_form(result="maybe"), headers=HTML)
    assert (recorded.status_code, refused.status_code) == (303, 422)
    assert on_loop == [], on_loop
    assert _count(engine, ManualAssessment) == 1
