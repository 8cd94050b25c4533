from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.errors import ConflictError, PermissionDeniedError, ValidationError
from brokerguard.mobile.analysis import ArtifactReport, analyze_artifact, analyze_artifact_bytes
from brokerguard.mobile.approvals import Unit, approve_release, dual_approval_complete
from brokerguard.mobile.gate import RULES, GateResult, evaluate_gate, publish_release
from brokerguard.mobile.models import MobileApp
from brokerguard.mobile.registry import find_release, register_release
from brokerguard.mobile.testing import record_test
from brokerguard.staff.roles import Role
from tests.mobile.apkbuild import ReleaseSigner, make_signer, rebuild_apk, synthetic_apk
from tests.mobile.conftest import APK_DIR, TINY
from tests.mobile.helpers import (
    add_purposes,
    approve_both,
    make_app,
    pass_lab_test,
    previous_release,
)

RECENT = date(2026, 9, 1)


def outcome(result: GateResult, rule: str) -> bool:
    found = [o for o in result.outcomes if o.rule == rule]
    assert len(found) == 1
    return found[0].passed


@pytest.fixture
def ready(
    session: Session,
    clock: FixedClock,
    settings: Settings,
    good_report: ArtifactReport,
    release_signer: ReleaseSigner,
) -> MobileApp:
    """An app whose candidate passes every rule: lab test, approvals, purposes."""
    app = make_app(session, clock, certs=[release_signer.cert_sha256])
    pass_lab_test(session, clock, settings, app, RECENT)
    release = register_release(session, clock, app, good_report, actor="app-team")
    approve_both(session, clock, release)
    return app


def test_every_rule_is_reported(
    session: Session, clock: FixedClock, ready: MobileApp, good_report: ArtifactReport
) -> None:
    result = evaluate_gate(session, clock, ready, good_report)
    assert [o.rule for o in result.outcomes] == list(RULES)
    assert result.passed, result.failed_rules
    assert result.first_release and result.approval_required


def test_package_mismatch_fails(
    session: Session, clock: FixedClock, release_signer: ReleaseSigner, good_report: ArtifactReport
) -> None:
    app = make_app(session, clock, certs=[release_signer.cert_sha256], package="tw.com.other.app")
    result = evaluate_gate(session, clock, app, good_report)
    assert not outcome(result, "package_matches")


def test_tampered_signature_fails(
    session: Session, clock: FixedClock, ready: MobileApp, good_apk: bytes
) -> None:
    raw = bytearray(good_apk)
    eocd = raw.rfind(b"PK\x05\x06")
    raw[eocd + 20 : eocd + 22] = (3).to_bytes(2, "little")
    tampered = analyze_artifact_bytes("tampered.apk", bytes(raw[: eocd + 22]) + b"bad")
    result = evaluate_gate(session, clock, ready, tampered)
    assert not outcome(result, "signature_intact")
    assert not outcome(result, "signing_certificate")  # the broken signer's cert is not trusted


def test_foreign_certificate_fails(session: Session, clock: FixedClock, ready: MobileApp) -> None:
    counterfeit = analyze_artifact_bytes("fake.apk", rebuild_apk(TINY, make_signer("Attacker")))
    result = evaluate_gate(session, clock, ready, counterfeit)
    assert outcome(result, "signature_intact")
    assert not outcome(result, "signing_certificate")


def test_no_official_certificate_registered_fails(
    session: Session, clock: FixedClock, good_report: ArtifactReport
) -> None:
    app = make_app(session, clock, certs=[])
    assert not outcome(evaluate_gate(session, clock, app, good_report), "signing_certificate")


def test_v3_rotation_from_official_key_is_accepted(session: Session, clock: FixedClock) -> None:
    report = analyze_artifact(APK_DIR / "golden-aligned-v1v2v3-lineage-out.apk")
    old = report.v3_lineage[0]
    app = make_app(session, clock, certs=[old])
    assert outcome(evaluate_gate(session, clock, app, report), "signing_certificate")


@pytest.mark.parametrize(
    "name", ["debuggable-boolean.apk", "TC-debug.apk", "app-prod-debug.apk", "TestActivity.apk"]
)
def test_debuggable_fixture_never_passes(session: Session, clock: FixedClock, name: str) -> None:
    report = analyze_artifact(APK_DIR / name)
    app = make_app(
        session,
        clock,
        certs=list(report.signing_certificates),
        package=str(report.facts.package),
    )
    result = evaluate_gate(session, clock, app, report)
    assert not outcome(result, "not_debuggable")
    assert not result.passed


def test_not_debuggable_passes_for_release_build(
    session: Session, clock: FixedClock, ready: MobileApp, good_report: ArtifactReport
) -> None:
    assert outcome(evaluate_gate(session, clock, ready, good_report), "not_debuggable")


def test_missing_root_debug_warning_fails(
    session: Session, clock: FixedClock, release_signer: ReleaseSigner, ready: MobileApp
) -> None:
    plain = analyze_artifact_bytes(
        "plain.apk", rebuild_apk(TINY, release_signer, code_strings=("hello",))
    )
    result = evaluate_gate(session, clock, ready, plain)
    assert not outcome(result, "root_debug_warning")
    only_root = analyze_artifact_bytes(
        "root.apk", rebuild_apk(TINY, release_signer, code_strings=("/system/bin/su",))
    )
    detail = list(evaluate_gate(session, clock, ready, only_root).outcomes)[4]
    assert detail.rule == "root_debug_warning" and not detail.passed
    assert detail.details["missing"] == ["debugger", "USB debugging"]
    no_adb = analyze_artifact_bytes(
        "noadb.apk",
        rebuild_apk(TINY, release_signer, code_strings=("/system/bin/su", "isDebuggerConnected")),
    )
    detail = list(evaluate_gate(session, clock, ready, no_adb).outcomes)[4]
    assert not detail.passed  # before: a debugger check stood in for USB debugging
    assert detail.details["missing"] == ["USB debugging"]


def test_permission_without_purpose_fails_then_passes(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    report = analyze_artifact(APK_DIR / "a2dp.Vol_137.apk")
    app = make_app(session, clock, certs=report.signing_certificates, package="a2dp.Vol")
    result = evaluate_gate(session, clock, app, report)
    assert not outcome(result, "permission_purpose")
    missing = next(o for o in result.outcomes if o.rule == "permission_purpose")
    assert len(missing.details["permissions"]) == 17
    add_purposes(session, clock, app, report.permissions[:-1])
    assert not outcome(evaluate_gate(session, clock, app, report), "permission_purpose")
    add_purposes(session, clock, app, report.permissions[-1:])
    assert outcome(evaluate_gate(session, clock, app, report), "permission_purpose")


def test_version_must_increase(
    session: Session, clock: FixedClock, ready: MobileApp, good_report: ArtifactReport
) -> None:
    previous_release(session, clock, ready, version_code="10")
    result = evaluate_gate(session, clock, ready, good_report)
    assert not outcome(result, "version_increases")
    assert result.previous_version == "0.9"


def test_lab_test_rules(
    session: Session,
    clock: FixedClock,
    settings: Settings,
    release_signer: ReleaseSigner,
    good_report: ArtifactReport,
) -> None:
    app = make_app(session, clock, certs=[release_signer.cert_sha256])
    first = evaluate_gate(session, clock, app, good_report)
    assert not outcome(first, "lab_test_current")
    pass_lab_test(session, clock, settings, app, date(2025, 10, 1))  # > 12 months before T0
    assert not outcome(evaluate_gate(session, clock, app, good_report), "lab_test_current")
    pass_lab_test(session, clock, settings, app, RECENT)
    assert outcome(evaluate_gate(session, clock, app, good_report), "lab_test_current")


def test_failed_lab_test_does_not_count(
    session: Session,
    clock: FixedClock,
    settings: Settings,
    release_signer: ReleaseSigner,
    good_report: ArtifactReport,
) -> None:
    app = make_app(session, clock, certs=[release_signer.cert_sha256])
    record_test(
        session,
        clock,
        settings,
        app,
        kind="mas_baseline",
        lab="Lab",
        taf_accreditation_no="1234",
        baseline_version="v4.0",
        level="L1",
        tested_from=RECENT,
        tested_to=RECENT,
        report_date=RECENT,
        result="fail",
        actor="sec",
    )
    assert not outcome(evaluate_gate(session, clock, app, good_report), "lab_test_current")


def test_internal_app_needs_no_lab_test(
    session: Session, clock: FixedClock, release_signer: ReleaseSigner, good_report: ArtifactReport
) -> None:
    app = make_app(session, clock, certs=[release_signer.cert_sha256], customer_facing=False)
    assert outcome(evaluate_gate(session, clock, app, good_report), "lab_test_current")


def test_major_update_needs_owasp_retest(
    session: Session,
    clock: FixedClock,
    settings: Settings,
    ready: MobileApp,
    good_report: ArtifactReport,
) -> None:
    assert outcome(evaluate_gate(session, clock, ready, good_report), "major_update_retest")
    result = evaluate_gate(session, clock, ready, good_report, major_update=True)
    assert not outcome(result, "major_update_retest")
    release = find_release(session, ready, good_report.facts.artifact_sha256)
    assert release is not None
    record_test(
        session,
        clock,
        settings,
        ready,
        kind="owasp_top10",
        lab="資安組內部測試",
        tested_from=RECENT,
        tested_to=RECENT,
        report_date=RECENT,
        result="pass",
        actor="sec",
        release=release,
    )
    assert outcome(
        evaluate_gate(session, clock, ready, good_report, major_update=True), "major_update_retest"
    )


def test_major_flag_comes_from_the_release_record(
    session: Session,
    clock: FixedClock,
    settings: Settings,
    release_signer: ReleaseSigner,
    good_report: ArtifactReport,
) -> None:
    app = make_app(session, clock, certs=[release_signer.cert_sha256])
    register_release(
        session,
        clock,
        app,
        good_report,
        actor="app",
        major_update=True,
        major_reasons=["ordering_trading"],
    )
    assert not outcome(evaluate_gate(session, clock, app, good_report), "major_update_retest")


def test_first_release_needs_both_approvals(
    session: Session,
    clock: FixedClock,
    settings: Settings,
    release_signer: ReleaseSigner,
    good_report: ArtifactReport,
) -> None:
    app = make_app(session, clock, certs=[release_signer.cert_sha256])
    pass_lab_test(session, clock, settings, app, RECENT)
    assert not outcome(evaluate_gate(session, clock, app, good_report), "dual_approval")
    release = register_release(session, clock, app, good_report, actor="app-team")
    approve_release(
        session,
        clock,
        release,
        unit=Unit.security,
        approver="sec-chen",
        approver_roles={Role.security},
        comment="ok",
    )
    result = evaluate_gate(session, clock, app, good_report)
    assert not outcome(result, "dual_approval")
    assert next(o for o in result.outcomes if o.rule == "dual_approval").details["missing"] == [
        "compliance"
    ]
    approve_release(
        session,
        clock,
        release,
        unit=Unit.compliance,
        approver="comp-lin",
        approver_roles={Role.compliance},
        comment="ok",
    )
    assert outcome(evaluate_gate(session, clock, app, good_report), "dual_approval")
    assert dual_approval_complete(session, release)


def test_same_person_cannot_approve_for_both_units(
    session: Session, clock: FixedClock, release_signer: ReleaseSigner, good_report: ArtifactReport
) -> None:
    app = make_app(session, clock, certs=[release_signer.cert_sha256])
    release = register_release(session, clock, app, good_report, actor="app-team")
    both = {Role.security, Role.compliance}
    approve_release(
        session,
        clock,
        release,
        unit=Unit.security,
        approver="chen",
        approver_roles=both,
        comment="ok",
    )
    with pytest.raises(ConflictError) as caught:
        approve_release(
            session,
            clock,
            release,
            unit=Unit.compliance,
            approver="chen",
            approver_roles=both,
            comment="ok",
        )
    assert caught.value.field == "approver"
    assert not dual_approval_complete(session, release)


def test_approval_rules(
    session: Session, clock: FixedClock, release_signer: ReleaseSigner, good_report: ArtifactReport
) -> None:
    app = make_app(session, clock, certs=[release_signer.cert_sha256])
    release = register_release(session, clock, app, good_report, actor="app-team")
    with pytest.raises(PermissionDeniedError):
        approve_release(
            session,
            clock,
            release,
            unit=Unit.security,
            approver="dev",
            approver_roles={Role.app_team, Role.admin},
            comment="ok",
        )
    with pytest.raises(ValidationError):
        approve_release(
            session,
            clock,
            release,
            unit=Unit.security,
            approver="sec",
            approver_roles={Role.security},
            comment="   ",
        )
    approve_release(
        session,
        clock,
        release,
        unit=Unit.security,
        approver="sec",
        approver_roles={Role.security},
        comment="ok",
    )
    with pytest.raises(ConflictError):
        approve_release(
            session,
            clock,
            release,
            unit=Unit.security,
            approver="sec2",
            approver_roles={Role.security},
            comment="again",
        )


def test_permission_change_needs_approval_unchanged_does_not(
    session: Session,
    clock: FixedClock,
    settings: Settings,
    release_signer: ReleaseSigner,
    good_report: ArtifactReport,
) -> None:
    app = make_app(session, clock, certs=[release_signer.cert_sha256])
    pass_lab_test(session, clock, settings, app, RECENT)
    previous = previous_release(session, clock, app, permissions=[])
    result = evaluate_gate(session, clock, app, good_report)
    assert not result.approval_required
    assert outcome(result, "dual_approval")
    assert result.passed, result.failed_rules
    previous.permissions = ["android.permission.CAMERA"]
    session.flush()
    changed = evaluate_gate(session, clock, app, good_report)
    assert changed.removed_permissions == ["android.permission.CAMERA"]
    assert changed.approval_required and not outcome(changed, "dual_approval")


def test_publish_requires_passing_gate(
    session: Session,
    clock: FixedClock,
    settings: Settings,
    release_signer: ReleaseSigner,
    good_report: ArtifactReport,
) -> None:
    app = make_app(session, clock, certs=[release_signer.cert_sha256])
    pass_lab_test(session, clock, settings, app, RECENT)
    release = register_release(session, clock, app, good_report, actor="app-team")
    with pytest.raises(ConflictError) as caught:
        publish_release(session, clock, app, release, good_report, released_on=date(2026, 11, 26))
    assert "dual_approval" in caught.value.message
    assert release.status == "candidate"
    approve_both(session, clock, release)
    publish_release(session, clock, app, release, good_report, released_on=date(2026, 11, 26))
    assert release.status == "released"
    # the next gate run compares with this release: same permissions, approval not required
    again = evaluate_gate(session, clock, app, good_report)
    assert again.previous_version is None  # the release itself is not its own predecessor


def test_permission_change_between_real_artifacts(
    session: Session, clock: FixedClock, settings: Settings, release_signer: ReleaseSigner
) -> None:
    """Two builds of the same app: the second adds CAMERA and needs both approvals again."""
    package = "tw.com.demosec.trade"
    first = analyze_artifact_bytes("v1.apk", synthetic_apk(release_signer, version_code="100"))
    app = make_app(session, clock, certs=[release_signer.cert_sha256], package=package)
    pass_lab_test(session, clock, settings, app, RECENT)
    add_purposes(session, clock, app, ["android.permission.INTERNET"])
    release = register_release(session, clock, app, first, actor="app-team")
    approve_both(session, clock, release)
    publish_release(session, clock, app, release, first, released_on=date(2026, 10, 1))

    same = analyze_artifact_bytes("v2.apk", synthetic_apk(release_signer, version_code="101"))
    unchanged = evaluate_gate(session, clock, app, same)
    assert unchanged.passed, unchanged.failed_rules
    assert not unchanged.approval_required and unchanged.previous_version == "5.2.0"

    second = analyze_artifact_bytes(
        "v3.apk",
        synthetic_apk(
            release_signer,
            version_code="102",
            permissions=("android.permission.INTERNET", "android.permission.CAMERA"),
        ),
    )
    changed = evaluate_gate(session, clock, app, second)
    assert changed.added_permissions == ["android.permission.CAMERA"]
    assert set(changed.failed_rules) == {"permission_purpose", "dual_approval"}
    add_purposes(session, clock, app, ["android.permission.CAMERA"])
    candidate = register_release(session, clock, app, second, actor="app-team")
    approve_both(session, clock, candidate)
    assert evaluate_gate(session, clock, app, second).passed

    older = analyze_artifact_bytes("old.apk", synthetic_apk(release_signer, version_code="99"))
    assert not outcome(evaluate_gate(session, clock, app, older), "version_increases")
    debug = analyze_artifact_bytes(
        "debug.apk",
        synthetic_apk(release_signer, version_code="103", application={"android:debuggable": True}),
    )
    assert not outcome(evaluate_gate(session, clock, app, debug), "not_debuggable")


def test_ios_release_gate(session: Session, clock: FixedClock, settings: Settings) -> None:
    import hashlib

    from tests.mobile.apkbuild import build_ipa

    developer = b"demo-apple-distribution-cert"
    report = analyze_artifact_bytes("trade.ipa", build_ipa(developer_cert=developer))
    app = make_app(
        session,
        clock,
        certs=[hashlib.sha256(developer).hexdigest()],
        slug="trade-ios",
        package="tw.com.demosec.trade",
        platform="ios",
    )
    pass_lab_test(session, clock, settings, app, RECENT)
    first = evaluate_gate(session, clock, app, report)
    assert set(first.failed_rules) == {"permission_purpose", "dual_approval"}
    add_purposes(session, clock, app, report.permissions)
    release = register_release(session, clock, app, report, actor="app-team")
    approve_both(session, clock, release)
    assert evaluate_gate(session, clock, app, report).passed
    debug = analyze_artifact_bytes(
        "dev.ipa",
        build_ipa(developer_cert=developer, entitlements={"get-task-allow": True}),
    )
    assert not outcome(evaluate_gate(session, clock, app, debug), "not_debuggable")
    other = analyze_artifact_bytes("other.ipa", build_ipa(developer_cert=b"someone else"))
    assert not outcome(evaluate_gate(session, clock, app, other), "signing_certificate")
    android = analyze_artifact(APK_DIR / "golden-aligned-v1-out.apk")
    assert not outcome(evaluate_gate(session, clock, app, android), "package_matches")
