"""Case workflow and takedown letters (storage: SQLite and PostgreSQL)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy.orm import Session

from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.errors import ConflictError, NotFoundError, ValidationError
from brokerguard.evidence.service import evidence_for
from brokerguard.kernel.audit import MemoryAuditSink
from brokerguard.phishing import service
from brokerguard.phishing.brands import Brand
from brokerguard.phishing.models import PhishingCase
from brokerguard.phishing.scoring import Scorer


def _case(session: Session, clock: FixedClock, brands: list[Brand], domain: str) -> PhishingCase:
    verdict = Scorer(brands).check(domain)
    return service.open_site_case(session, clock, verdict, source="ct", actor="sec")


def test_open_is_idempotent_per_target(
    session: Session, clock: FixedClock, brands: list[Brand]
) -> None:
    first = _case(session, clock, brands, "yuanta-login.com.tw")
    again = _case(session, clock, brands, "https://yuanta-login.com.tw/x")
    assert first.id == again.id
    assert first.number.startswith("PH-20261126-")
    assert first.brand_key == "yuanta" and first.status == "new"


def test_unflagged_verdict_cannot_open_a_case(
    session: Session, clock: FixedClock, brands: list[Brand]
) -> None:
    verdict = Scorer(brands).check("google.com")
    with pytest.raises(ValidationError):
        service.open_site_case(session, clock, verdict, source="ct", actor="sec")


def test_full_workflow_with_letters_as_evidence(
    session: Session, clock: FixedClock, settings: Settings, brands: list[Brand]
) -> None:
    sink = MemoryAuditSink()
    case = _case(session, clock, brands, "yuanta-login.com.tw")
    confirmed: list[str] = []
    service.triage(session, clock, case, actor="sec", confirmed=True, registrar="Demo Registrar",
                   on_confirmed=lambda c: confirmed.append(c.number), sink=sink)  # fmt: skip
    assert case.status == "triaged" and confirmed == [case.number]
    brand = next(b for b in brands if b.key == "yuanta")
    letters = service.request_takedown(
        session, clock, settings, case, actor="sec", brand=brand, sink=sink
    )
    assert [letter.recipient for letter in letters] == [
        "registrar", "hosting", "twnic", "hotline_165"
    ]  # fmt: skip
    registrar = letters[0].text
    assert "受文者：網域註冊商（Demo Registrar）" in registrar
    assert "yuanta-login.com.tw" in registrar and "yuanta.com.tw" in registrar
    assert "中華民國 115/11/26" in registrar
    refs = json.loads(case.evidence)
    assert len(refs) == 4 and all(r.startswith("evidence:sha256:") for r in refs)
    assert len(evidence_for(session, "A8.1")) == 4
    assert case.status == "takedown_requested" and case.takedown_requested_at == clock.now()
    service.close_case(session, clock, case, actor="sec", resolution="網域已停用")
    assert case.status == "closed"
    actions = [e.action for e in service.case_events(session, case)]
    assert actions == ["opened", "confirmed", "takedown_requested", "closed"]
    assert [e.function for e in sink.events] == ["phishing.case.confirmed",
        "phishing.case.takedown_requested"]  # fmt: skip


def test_workflow_order_is_enforced(
    session: Session, clock: FixedClock, settings: Settings, brands: list[Brand]
) -> None:
    case = _case(session, clock, brands, "fubon-app.top")
    with pytest.raises(ConflictError):
        service.request_takedown(session, clock, settings, case, actor="sec", brand=None)
    with pytest.raises(ConflictError):
        service.close_case(session, clock, case, actor="sec", resolution="x")
    with pytest.raises(ValidationError):
        service.triage(session, clock, case, actor="sec", confirmed=False, note="  ")
    service.triage(session, clock, case, actor="sec", confirmed=False, note="the brand's own site")
    assert case.status == "closed" and "false positive" in case.resolution
    with pytest.raises(ConflictError):
        service.triage(session, clock, case, actor="sec", confirmed=True)


def test_app_case_letters_go_to_the_store(
    session: Session, clock: FixedClock, settings: Settings, brands: list[Brand]
) -> None:
    from brokerguard.phishing.apps import assess_app, brand_looks

    verdict = assess_app(brand_looks(brands), source="listing:apkpure", title="元大證券 VIP",
                         package="com.fake.yuanta", certs=["ab" * 32])  # fmt: skip
    case = service.open_app_case(session, clock, verdict, actor="sec")
    service.triage(session, clock, case, actor="sec", confirmed=True)
    letters = service.request_takedown(session, clock, settings, case, actor="sec", brand=brands[0])
    assert [letter.recipient for letter in letters] == ["app_store", "hotline_165"]
    assert "com.fake.yuanta" in letters[0].text and "下架" in letters[0].text
    assert len(evidence_for(session, "A6.3.1.3")) == 2


def test_unknown_case_and_status(session: Session) -> None:
    with pytest.raises(NotFoundError):
        service.get_case(session, "nope")
    with pytest.raises(ValidationError):
        service.list_cases(session, "bogus")
