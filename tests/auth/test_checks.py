from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import update
from sqlalchemy.orm import Session

from brokerguard.assessment.registry import CheckContext, Status, load_all_checks
from brokerguard.auth import checks
from brokerguard.auth.assessments import record_assessment
from brokerguard.auth.models import EnrolledFactor, EtradeCustomer, LoginAttempt
from brokerguard.auth.passwords import HASHING
from brokerguard.config import Environment, Settings
from tests.auth.helpers import META, PASSWORD, Kit
from tests.conftest import OWASP_HASHING


@pytest.fixture(autouse=True)
def fresh_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for key in (
        "BROKERGUARD_AUTH_TLS_CHECK_HOST",
        "BROKERGUARD_AUTH_PASSWORD_MAX_AGE_DAYS",
        "BROKERGUARD_AUTH_ENFORCE_PASSWORD_CHANGE",
    ):
        monkeypatch.delenv(key, raising=False)
    yield


def ctx(kit: Kit, s: Session, env: Environment = Environment.development) -> CheckContext:
    return CheckContext(
        session=s,
        settings=Settings(env=env, data_dir=kit.data_dir, **OWASP_HASHING),
        clock=kit.clock,
    )


def test_checks_are_registered_for_article_9() -> None:
    registry = load_all_checks()
    for requirement in ("A9.1", "A9.1.3", "A9.2", "A9.3", "A9.4", "A9.5", "A9.6", "A9.7", "A9.8"):
        assert any(c.id.startswith("auth.") for c in registry.for_requirement(requirement)), (
            requirement
        )


def test_two_categories_fails_for_password_only_customers(kit: Kit) -> None:
    kit.customer("A100200")
    with kit.session() as s:
        assert checks.two_categories(ctx(kit, s)).status is Status.passed
    kit.customer("A100300", totp=False)
    with kit.session() as s:
        result = checks.two_categories(ctx(kit, s))
    assert result.status is Status.failed and "A100300" in result.reason_en


def test_empty_database_is_not_applicable(kit: Kit) -> None:
    with kit.session() as s:
        assert checks.two_categories(ctx(kit, s)).status is Status.not_applicable
        for check in (
            checks.stored_credentials,
            checks.credential_lifecycle,
            checks.server_side_verification,
            checks.failed_login_records,
        ):
            result = check(ctx(kit, s))
            assert result.status is Status.manual, check.__name__
            assert "evidence" in result.reason_en or "records" in result.reason_en


def test_stored_credentials_detects_plaintext(kit: Kit) -> None:
    kit.customer()  # the kit hashes cheaply: the production (OWASP) hash proves the control
    with kit.session() as s:
        s.execute(update(EtradeCustomer).values(password_hash=HASHING.hash(PASSWORD)))
        assert checks.stored_credentials(ctx(kit, s)).status is Status.passed
        s.execute(update(EnrolledFactor).values(secret_ciphertext="JBSWY3DPEHPK3PXP"))
        assert checks.stored_credentials(ctx(kit, s)).status is Status.failed
        s.rollback()
        s.execute(update(EtradeCustomer).values(password_hash="$2b$12$bcrypt-hash"))
        result = checks.stored_credentials(ctx(kit, s))
    assert result.status is Status.failed and result.details["not_argon2id"] == 1


def test_stored_credentials_fails_argon2id_below_the_owasp_floor(kit: Kit) -> None:
    kit.customer()
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash("x")
    with kit.session() as s:
        s.execute(update(EtradeCustomer).values(password_hash=cheap))
        result = checks.stored_credentials(ctx(kit, s))
    assert result.status is Status.failed
    assert result.details["argon2id_below_owasp"] == 1 and result.details["not_argon2id"] == 0
    assert "OWASP" in result.reason_en and "OWASP" in result.reason_zh


def test_biometric_assessment_check(kit: Kit) -> None:
    with kit.session() as s:
        assert checks.indirect_biometric_assessed(ctx(kit, s)).status is Status.not_applicable
        record_assessment(
            s, kit.clock, method="app-face-v3", assessed_by="林經理", conclusion="ineffective"
        )
        assert checks.indirect_biometric_assessed(ctx(kit, s)).status is Status.failed


def test_lifecycle_check_flags_undelivered(kit: Kit) -> None:
    from datetime import timedelta

    kit.customer(totp=False)
    with kit.session() as s:
        creds = kit.credentials(s)
        creds.enroll_totp(creds.get_customer("A100200"), META)
        s.commit()
        assert checks.credential_lifecycle(ctx(kit, s)).status is Status.passed
    kit.clock.advance(timedelta(days=8))
    with kit.session() as s:
        assert checks.credential_lifecycle(ctx(kit, s)).status is Status.failed


def test_failed_login_records(kit: Kit) -> None:
    with kit.session() as s:
        s.add(
            LoginAttempt(
                account="ghost",
                account_known=False,
                factor="password",
                outcome="failure",
                reason="unknown_account",
                created_at=kit.clock.now(),
            )
        )
        s.commit()
        result = checks.failed_login_records(ctx(kit, s))
    assert result.status is Status.passed and result.details["unknown_accounts_30d"] == 1


def test_failed_login_records_fail_when_recording_stopped(kit: Kit) -> None:
    """Before: any login row ever recorded passed; now the last 30 days must hold one."""
    from datetime import timedelta

    with kit.session() as s:
        s.add(
            LoginAttempt(
                account="A100200",
                account_known=True,
                factor="password",
                outcome="failure",
                reason="bad_password",
                created_at=kit.clock.now() - timedelta(days=31),
            )
        )
        s.commit()
        result = checks.failed_login_records(ctx(kit, s))
    assert result.status is Status.failed
    assert result.details == {"attempts_total": 1, "attempts_30d": 0}


def test_password_change_fails_when_overdue_customers_are_only_flagged(
    kit: Kit, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: it passed saying overdue customers are forced to change, even when the
    firm had switched the enforcement off."""
    from datetime import timedelta

    kit.customer()
    kit.clock.advance(timedelta(days=181))
    with kit.session() as s:
        forced = checks.password_change(ctx(kit, s))
    assert forced.status is Status.passed and forced.details["overdue"] == 1
    monkeypatch.setenv("BROKERGUARD_AUTH_ENFORCE_PASSWORD_CHANGE", "false")
    with kit.session() as s:
        flagged = checks.password_change(ctx(kit, s))
    assert flagged.status is Status.failed and "not enforced" in flagged.reason_en


def test_tls_check_without_endpoint(kit: Kit) -> None:
    with kit.session() as s:
        assert checks.tls_endpoint(ctx(kit, s)).status is Status.manual
        assert checks.tls_endpoint(ctx(kit, s, Environment.production)).status is Status.failed


def test_tls_check_against_loopback(
    kit: Kit, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import timedelta

    from tests.auth.test_tls import NOW, LoopbackTls, server_cert

    kit.clock.set(NOW)
    cert, key = server_cert(tmp_path, not_after=NOW + timedelta(days=200))
    server = LoopbackTls(cert, key)
    try:
        monkeypatch.setenv("BROKERGUARD_AUTH_TLS_CHECK_HOST", "127.0.0.1")
        monkeypatch.setenv("BROKERGUARD_AUTH_TLS_CHECK_PORT", str(server.port))
        monkeypatch.setenv("BROKERGUARD_AUTH_TLS_CHECK_CA_FILE", str(cert))
        with kit.session() as s:
            result = checks.tls_endpoint(ctx(kit, s))
    finally:
        server.close()
    assert result.status is Status.passed, result.reason_en
    assert result.details["protocol"] in ("TLSv1.2", "TLSv1.3")


def test_policy_checks_pass_with_defaults(kit: Kit) -> None:
    with kit.session() as s:
        assert checks.lockout_threshold(ctx(kit, s)).status is Status.passed
        assert checks.password_change(ctx(kit, s)).status is Status.passed


def test_server_side_check_needs_a_verdict_for_every_factor(kit: Kit) -> None:
    from types import SimpleNamespace

    from brokerguard.auth.models import EtradeSession
    from tests.auth.helpers import PASSWORD

    seed = kit.customer()
    assert seed is not None
    with kit.session() as s:
        service = kit.login(s)
        token = service.start_login("A100200", PASSWORD, META).login_token
        service.submit_factor(
            token, SimpleNamespace(type="totp", login_token=token, code=kit.totp_code(seed)), META
        )
        result = checks.server_side_verification(ctx(kit, s))
        assert result.status is Status.passed and result.details["sessions_90d"] == 1
        # a session that no recorded verdict backs (e.g. written by another tool)
        row = s.query(EtradeSession).one()
        s.add(
            EtradeSession(
                secret_hash="0" * 64,
                customer_id=row.customer_id,
                login_token_id="forged",
                categories="knowledge,possession",
                factors_used="password,totp",
                created_at=kit.clock.now(),
                expires_at=kit.clock.now(),
            )
        )
        s.flush()
        result = checks.server_side_verification(ctx(kit, s))
    assert result.status is Status.failed and result.details["without_server_verdicts"] == 1


def test_biometric_check_cites_uploaded_evidence(kit: Kit) -> None:
    from brokerguard.evidence.service import store_evidence

    with kit.session() as s:
        settings = Settings(data_dir=kit.data_dir)
        record = store_evidence(
            s,
            kit.clock,
            settings,
            content=b"%PDF-1.4 face liveness test report",
            filename="face-assessment.pdf",
            title="臉部辨識有效性評估報告",
            requirement_ids=["A9.1.3"],
            kind="assessment_report",
            uploaded_by="lin",
        )
        record_assessment(
            s,
            kit.clock,
            method="app-face-v3",
            assessed_by="林經理",
            conclusion="effective",
            evidence_ref=record.reference,
        )
        result = checks.indirect_biometric_assessed(ctx(kit, s))
    assert result.status is Status.passed
    assert record.reference in result.evidence
