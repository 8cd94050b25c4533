"""A policy's own file is attached through the evidence store (web form, API, CLI), and
the policy check passes only with that document and a compliance staff approver."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from brokerguard.assessment.registry import CheckContext, Status
from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.db.engine import session_factory
from brokerguard.errors import ConflictError, ValidationError
from brokerguard.evidence.service import get_evidence
from brokerguard.policies.checks import make_policy_check
from brokerguard.policies.service import (
    approve_policy,
    attach_document,
    get_policy,
    list_policies,
    register_policy,
    retire_policy,
)
from brokerguard.rulebook import RequirementKind, load_rulebook
from brokerguard.staff.roles import Role
from tests.conftest import make_staff, sign_in
from tests.house_helpers import cli_env, run_cli
from tests.loop_guard import sql_on_event_loop

PDF = "%PDF-1.4\n% 社群媒體資訊安全管理辦法 2.0\n%%EOF\n".encode()


def _requirement() -> str:
    rulebook = load_rulebook()
    policy_kind = [r.id for r in rulebook.ordered() if r.kind is RequirementKind.policy]
    return (policy_kind or [rulebook.obligations()[0].id])[0]


def _draft(session: Session, clock: FixedClock) -> str:
    return register_policy(
        session,
        clock,
        title="社群媒體資訊安全管理辦法",
        version="2.0",
        owner_unit="法令遵循處",
        requirement_ids=[_requirement()],
        created_by="sec",
    ).id


def _status(session: Session, settings: Settings, clock: FixedClock) -> Status:
    ctx = CheckContext(session=session, settings=settings, clock=clock)
    return make_policy_check(_requirement()).run(ctx).status


def _approve(session: Session, policy_id: str) -> None:
    approve_policy(
        session,
        policy_id,
        approver="compliance-chou",
        approved_on=date(2026, 11, 1),
        next_review=date(2027, 11, 1),
    )


def test_the_check_passes_only_once_the_document_is_attached(
    session: Session, settings: Settings, clock: FixedClock, engine: Engine
) -> None:
    make_staff(engine, clock, "compliance-chou", Role.compliance)
    policy_id = _draft(session, clock)
    _approve(session, policy_id)
    assert _status(session, settings, clock) is Status.failed  # approved, no document
    attached = attach_document(
        session,
        clock,
        settings,
        policy_id,
        content=PDF,
        filename="社群媒體管理辦法.pdf",
        uploaded_by="sec",
    )
    assert attached.document_evidence_id is not None
    stored = get_evidence(session, attached.document_evidence_id)
    assert stored.kind == "policy_document" and stored.requirement_ids == [_requirement()]
    assert stored.filename == "社群媒體管理辦法.pdf" and stored.unit == "法令遵循處"
    assert _status(session, settings, clock) is Status.passed


def test_a_drafts_document_may_be_replaced_an_approved_ones_not(
    session: Session, settings: Settings, clock: FixedClock, engine: Engine
) -> None:
    make_staff(engine, clock, "compliance-chou", Role.compliance)
    policy_id = _draft(session, clock)
    first = attach_document(
        session, clock, settings, policy_id, content=PDF, filename="v1.pdf", uploaded_by="sec"
    )
    second = attach_document(
        session,
        clock,
        settings,
        policy_id,
        content=PDF + b"%2\n",
        filename="v2.pdf",
        uploaded_by="sec",
    )
    assert second.document_evidence_id != first.document_evidence_id
    _approve(session, policy_id)
    with pytest.raises(ConflictError) as caught:
        attach_document(
            session, clock, settings, policy_id, content=PDF, filename="v3.pdf", uploaded_by="x"
        )
    assert caught.value.field == "document"
    assert get_policy(session, policy_id).document_evidence_id == second.document_evidence_id
    retire_policy(session, policy_id)
    with pytest.raises(ConflictError):
        attach_document(
            session, clock, settings, policy_id, content=PDF, filename="v4.pdf", uploaded_by="x"
        )


@pytest.mark.parametrize(
    ("content", "filename", "field"),
    [
        (b"", "empty.pdf", "file"),
        (b"MZ\x90\x00", "policy.pdf", "file"),  # not a PDF
        (PDF, "policy.exe", "file"),
        (PDF, "../../etc/policy.pdf", "filename"),
        (PDF, "policy\u202efdp.exe", "filename"),  # a bidi override hides the extension
        (PDF, "", "filename"),
    ],
)
def test_bad_documents_are_refused_and_nothing_is_attached(
    session: Session,
    settings: Settings,
    clock: FixedClock,
    content: bytes,
    filename: str,
    field: str,
) -> None:
    policy_id = _draft(session, clock)
    with pytest.raises(ValidationError) as caught:
        attach_document(
            session, clock, settings, policy_id, content=content, filename=filename, uploaded_by="x"
        )
    assert caught.value.field == field
    assert get_policy(session, policy_id).document_evidence_id is None


def test_api_attaches_a_document(client: TestClient, engine: Engine, clock: FixedClock) -> None:
    sign_in(client, engine, clock, Role.security)
    created = client.post(
        "/api/v1/policies",
        json={
            "title": "物聯網設備資訊安全管理辦法",
            "version": "1.0",
            "owner_unit": "資訊安全處",
            "requirement_ids": [_requirement()],
        },
    )
    assert created.status_code == 201, created.text
    url = f"/api/v1/policies/{created.json()['id']}/document"
    with sql_on_event_loop(engine) as on_loop:  # the store runs off the event loop
        ok = client.post(url, files={"file": ("iot-policy.pdf", PDF, "application/pdf")})
        assert ok.status_code == 200, ok.text
        evidence_id = ok.json()["document_evidence_id"]
        assert client.get(f"/evidence/{evidence_id}/download").content == PDF
        empty = client.post(url, files={"file": ("iot-policy.pdf", b"", "application/pdf")})
        assert empty.status_code == 422 and empty.json()["error"]["field"] == "file"
        wrong = client.post(url, files={"file": ("iot-policy.pdf", b"<html>", "application/pdf")})
        assert wrong.status_code == 415
        assert client.post(url).status_code == 422  # no file part
        missing = client.post(
            "/api/v1/policies/nope/document", files={"file": ("p.pdf", PDF, "application/pdf")}
        )
        assert missing.status_code == 404
    assert on_loop == [], on_loop
    assert client.get("/api/v1/policies").json()[0]["document_evidence_id"] == evidence_id


def test_api_document_upload_is_bounded_and_role_checked(
    client: TestClient, engine: Engine, clock: FixedClock, settings: Settings
) -> None:
    with session_factory(engine)() as session:
        policy_id = _draft(session, clock)
        session.commit()
    url = f"/api/v1/policies/{policy_id}/document"
    assert client.post(url, files={"file": ("p.pdf", PDF, "application/pdf")}).status_code == 401
    sign_in(client, engine, clock, Role.auditor)
    assert client.post(url, files={"file": ("p.pdf", PDF, "application/pdf")}).status_code == 403
    client.post("/logout")
    client.headers.pop("X-CSRF-Token", None)
    sign_in(client, engine, clock, Role.app_team)
    huge = PDF + b"0" * settings.upload_max_bytes
    assert client.post(url, files={"file": ("p.pdf", huge, "application/pdf")}).status_code == 413
    with session_factory(engine)() as session:
        assert get_policy(session, policy_id).document_evidence_id is None


def test_pages_register_with_a_document_and_attach_one_later(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    token = sign_in(client, engine, clock, Role.security)
    form = client.get("/policies/new").text
    assert 'enctype="multipart/form-data"' in form and 'name="document"' in form
    data = {
        "csrf_token": token,
        "title": "社群媒體資訊安全管理辦法",
        "version": "2.0",
        "owner_unit": "法令遵循處",
        "requirement_ids": _requirement(),
    }
    registered = client.post(
        "/policies/new",
        data=data,
        files={"document": ("social.pdf", PDF, "application/pdf")},
        follow_redirects=False,
    )
    assert registered.status_code == 303, registered.text
    refused = client.post(
        "/policies/new",
        data={**data, "title": "行動裝置管理要點"},
        files={"document": ("social.pdf", b"not a pdf", "application/pdf")},
    )
    assert refused.status_code == 415 and 'id="err-document"' in refused.text
    assert 'value="行動裝置管理要點"' in refused.text  # the form comes back filled in
    bare = client.post("/policies/new", data={**data, "title": "員工自攜裝置管理要點"})
    assert bare.status_code == 200  # followed to the list: registered without a document
    assert "未附文件" in bare.text and "附加規範文件" in bare.text
    with session_factory(engine)() as session:
        policies = {p.title: p for p in list_policies(session)}
    assert set(policies) == {"社群媒體資訊安全管理辦法", "員工自攜裝置管理要點"}
    assert policies["社群媒體資訊安全管理辦法"].document_evidence_id is not None
    later = policies["員工自攜裝置管理要點"]
    url = f"/policies/{later.id}/document"
    assert client.get(url).status_code == 200
    nothing = client.post(url, data={"csrf_token": token})
    assert nothing.status_code == 422 and "請選擇要上傳之規範文件" in nothing.text
    ok = client.post(
        url,
        data={"csrf_token": token},
        files={"document": ("byod.pdf", PDF, "application/pdf")},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    with session_factory(engine)() as session:
        assert get_policy(session, later.id).document_evidence_id is not None
    assert client.get("/policies/nope/document").status_code == 404


def test_cli_attaches_a_document(sqlite_engine: Engine, clock: FixedClock, tmp_path: Path) -> None:
    with session_factory(sqlite_engine)() as session:
        policy_id = _draft(session, clock)
        session.commit()
    document = tmp_path / "社群媒體管理辦法.pdf"
    document.write_bytes(PDF)
    (tmp_path / "empty.pdf").write_bytes(b"")
    with cli_env(sqlite_engine, tmp_path / "var"):
        assert "\t-\t" in run_cli("policies", "list").output
        for args in (
            ("nope", str(document)),
            (policy_id, str(tmp_path / "missing.pdf")),
            (policy_id, str(tmp_path / "empty.pdf")),
        ):
            refused = run_cli("policies", "attach-document", *args)
            assert refused.exit_code == 2, refused.output
        attached = run_cli("policies", "attach-document", policy_id, str(document))
        assert attached.exit_code == 0, attached.output
        listed = run_cli("policies", "list").output
    with session_factory(sqlite_engine)() as session:
        evidence_id = get_policy(session, policy_id).document_evidence_id
        assert evidence_id is not None and evidence_id in listed
        assert get_evidence(session, evidence_id).uploaded_by.startswith("cli")


def test_the_policy_forms_work_off_the_event_loop(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    """Registered with a document, refused, attached later: no SQL on the event loop
    (before: the register, the store and their pages ran on it)."""
    token = sign_in(client, engine, clock, Role.security)
    data = {
        "csrf_token": token,
        "title": "社群媒體資訊安全管理辦法",
        "version": "2.0",
        "owner_unit": "法令遵循處",
        "requirement_ids": _requirement(),
    }
    pdf = {"document": ("social.pdf", PDF, "application/pdf")}
    with sql_on_event_loop(engine) as on_loop:
        registered = client.post("/policies/new", data=data, files=pdf, follow_redirects=False)
        unknown = client.post("/policies/new", data={**data, "requirement_ids": "A99.9"})
        bare = client.post("/policies/new", data={**data, "title": "員工自攜裝置管理要點"})
    assert (registered.status_code, unknown.status_code, bare.status_code) == (303, 404, 200)
    assert 'value="A99.9"' in unknown.text
    with session_factory(engine)() as session:
        later = next(p for p in list_policies(session) if p.title == "員工自攜裝置管理要點")
    with sql_on_event_loop(engine) as attaching:
        attached = client.post(
            f"/policies/{later.id}/document",
            data={"csrf_token": token},
            files=pdf,
            follow_redirects=False,
        )
    assert attached.status_code == 303
    assert on_loop == [] and attaching == [], (on_loop, attaching)
