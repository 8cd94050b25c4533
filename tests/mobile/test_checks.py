from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from sqlalchemy.orm import Session

from brokerguard.assessment.registry import CheckContext, CheckFunction, Status, load_all_checks
from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.mobile import checks
from brokerguard.mobile.analysis import ArtifactReport
from brokerguard.mobile.gate import publish_release
from brokerguard.mobile.listing import listing_html, official_listing
from brokerguard.mobile.models import MobileApp, MobileRelease
from brokerguard.mobile.registry import register_release
from brokerguard.mobile.review import complete_review, import_checklist, record_item, start_review
from brokerguard.mobile.settings import MobileSettings
from brokerguard.mobile.testing import record_test, records_of
from brokerguard.phishing import service as phishing
from brokerguard.phishing.settings import PhishingSettings
from brokerguard.rulebook import require_known
from tests.mobile.apkbuild import ReleaseSigner
from tests.mobile.conftest import A63_IDS
from tests.mobile.helpers import add_purposes, approve_both, make_app, pass_lab_test

RECENT = date(2026, 9, 1)
CSV = (
    "檢測項目,編號,資訊安全技術要求事項,技術要求,L1,L2,L3,F\n"
    "發布,4.1.1.1,發布,官方市集,是,是,是,否\n"
).encode()


def ctx(session: Session, settings: Settings, clock: FixedClock) -> CheckContext:
    return CheckContext(session=session, settings=settings, clock=clock)


@pytest.fixture
def released(
    session: Session,
    clock: FixedClock,
    settings: Settings,
    good_report: ArtifactReport,
    release_signer: ReleaseSigner,
) -> tuple[MobileApp, MobileRelease]:
    app = make_app(session, clock, certs=[release_signer.cert_sha256])
    pass_lab_test(session, clock, settings, app, RECENT)
    release = register_release(session, clock, app, good_report, actor="app-team")
    approve_both(session, clock, release)
    publish_release(session, clock, app, release, good_report, released_on=date(2026, 11, 1))
    return app, release


def test_every_a63_id_has_a_check() -> None:
    require_known(*A63_IDS)  # the IDs are the rulebook's
    registry = load_all_checks()
    for requirement in A63_IDS:
        assert registry.for_requirement(requirement), requirement


ALL = [
    checks.app_registry,
    checks.released_official_signature,
    checks.permission_purposes,
    checks.official_listing,
    checks.counterfeit_reference,
    checks.release_approvals,
    checks.sensitive_data_protection,
    checks.transport_and_secrets,
    checks.root_debug_warning,
    checks.testing_program,
    checks.major_update_retest,
    checks.lab_report_review,
]


@pytest.mark.parametrize("function", ALL)
def test_no_app_is_manual(
    session: Session, settings: Settings, clock: FixedClock, function: CheckFunction
) -> None:
    assert function(ctx(session, settings, clock)).status is Status.manual


def test_lab_yearly_not_applicable_without_customer_apps(
    session: Session, settings: Settings, clock: FixedClock
) -> None:
    result = checks.lab_test_yearly(ctx(session, settings, clock))
    assert result.status is Status.not_applicable


def test_released_app_passes(
    session: Session,
    settings: Settings,
    clock: FixedClock,
    released: tuple[MobileApp, MobileRelease],
) -> None:
    c = ctx(session, settings, clock)
    for function in (
        checks.app_registry,
        checks.released_official_signature,
        checks.permission_purposes,
        checks.release_approvals,
        checks.root_debug_warning,
        checks.lab_test_yearly,
        checks.major_update_retest,
        checks.testing_program,
    ):
        result = function(c)
        assert result.status is Status.passed, (function.__name__, result.reason_en)
    # the test app (tinyapp) allows cleartext by default: a real finding
    assert checks.transport_and_secrets(c).status is Status.failed
    assert checks.counterfeit_reference(c).status is Status.failed  # no counterfeit scan yet


def test_counterfeit_reference_passes_on_certificates_and_a_recent_scan(
    session: Session,
    settings: Settings,
    clock: FixedClock,
    released: tuple[MobileApp, MobileRelease],
) -> None:
    """Before: manual at best, whatever the data."""
    c = ctx(session, settings, clock)
    phishing.record_scan(
        session, clock, source="apps", started_at=clock.now(), names=0, flagged=0, rejected=0
    )
    assert checks.counterfeit_reference(c).status is Status.failed  # scanned nothing
    phishing.record_scan(
        session, clock, source="apps", started_at=clock.now(), names=12, flagged=1, rejected=0
    )
    result = checks.counterfeit_reference(c)
    assert result.status is Status.passed and result.evidence[0].startswith("record:")
    clock.advance(timedelta(days=PhishingSettings().scan_max_age_days + 1))
    assert checks.counterfeit_reference(c).status is Status.failed


def test_missing_usb_debugging_detection_fails(
    session: Session,
    settings: Settings,
    clock: FixedClock,
    released: tuple[MobileApp, MobileRelease],
) -> None:
    """Before: ``adb_detection_absent`` was ignored although A6.3.2.2 names USB debugging."""
    _, release = released
    release.findings = [*release.findings, {"rule": "adb_detection_absent"}]
    session.flush()
    result = checks.root_debug_warning(ctx(session, settings, clock))
    assert result.status is Status.failed and "USB-debugging" in result.reason_en
    assert checks.sensitive_data_protection(ctx(session, settings, clock)).status is (Status.failed)


def test_app_without_release_fails_registry(
    session: Session, settings: Settings, clock: FixedClock
) -> None:
    make_app(session, clock, certs=[])
    c = ctx(session, settings, clock)
    assert checks.app_registry(c).status is Status.failed
    assert checks.counterfeit_reference(c).status is Status.failed
    assert checks.lab_test_yearly(c).status is Status.failed


def test_purpose_missing_and_untrusted_store(
    session: Session,
    settings: Settings,
    clock: FixedClock,
    released: tuple[MobileApp, MobileRelease],
) -> None:
    app, release = released
    release.permissions = ["android.permission.CAMERA"]
    app.store_urls = ["https://apk-mirror.example.net/trade.apk"]
    session.flush()
    result = checks.permission_purposes(ctx(session, settings, clock))
    assert result.status is Status.failed
    assert "without purpose" in result.reason_en and "untrusted" in result.reason_en
    add_purposes(session, clock, app, ["android.permission.CAMERA"])
    app.store_urls = ["https://play.google.com/store/apps/details?id=x"]
    session.flush()
    assert checks.permission_purposes(ctx(session, settings, clock)).status is Status.passed


def test_foreign_signature_and_missing_approval_fail(
    session: Session,
    settings: Settings,
    clock: FixedClock,
    released: tuple[MobileApp, MobileRelease],
) -> None:
    app, release = released
    release.signing_cert_sha256 = ["f" * 64]
    session.flush()
    c = ctx(session, settings, clock)
    assert checks.released_official_signature(c).status is Status.failed
    second = MobileRelease(
        app_id=app.id,
        version_name="1.1",
        version_code="11",
        artifact_name="x.apk",
        artifact_sha256="1" * 64,
        signing_cert_sha256=list(app.official_cert_sha256),
        permissions=["android.permission.CAMERA"],
        facts={},
        findings=[{"rule": "debuggable"}, {"rule": "root_detection_absent"}],
        store="",
        status="released",
        major_update=True,
        major_reasons=["ordering_trading"],
        released_on=date(2026, 11, 20),
        created_at=clock.now(),
        created_by="x",
    )
    session.add(second)
    session.flush()
    result = checks.release_approvals(c)
    assert result.status is Status.failed
    assert "no dual approval" in result.reason_en and "debuggable" in result.reason_en
    assert checks.root_debug_warning(c).status is Status.failed
    assert checks.major_update_retest(c).status is Status.failed
    assert checks.testing_program(c).status is Status.failed


def test_lab_test_overdue(
    session: Session,
    settings: Settings,
    clock: FixedClock,
    released: tuple[MobileApp, MobileRelease],
) -> None:
    clock.set(clock.now().replace(year=2027, month=10))
    assert checks.lab_test_yearly(ctx(session, settings, clock)).status is Status.failed


def test_lab_report_review(
    session: Session,
    settings: Settings,
    clock: FixedClock,
    released: tuple[MobileApp, MobileRelease],
) -> None:
    app, _ = released
    c = ctx(session, settings, clock)
    assert checks.lab_report_review(c).status is Status.failed  # not reviewed
    import_checklist(session, CSV, "items.csv", version="v4.0")
    test = records_of(session, app)[0]
    review = start_review(session, clock, test, checklist_version="v4.0", reviewer="sec")
    record_item(session, clock, review, item_no="4.1.1.1", outcome="missing", actor="sec")
    complete_review(session, clock, review, summary="gap")
    result = checks.lab_report_review(c)
    assert result.status is Status.failed and "still open" in result.reason_en
    from brokerguard.findings.service import close_finding, list_open

    for finding in list_open(session, "A6.3.3.3"):
        close_finding(session, clock, finding.id, closed_by="sec", note="fixed")
    assert checks.lab_report_review(c).status is Status.passed
    failed = record_test(
        session, clock, settings, app, kind="mas_baseline", lab="Lab",
        taf_accreditation_no="3245", baseline_version="v4.0", level="L1",
        tested_from=RECENT, tested_to=RECENT, report_date=RECENT, result="fail", actor="s",
    )  # fmt: skip
    assert failed.fixes_confirmed_at is None
    assert checks.lab_report_review(c).status is Status.failed


class _Site(BaseHTTPRequestHandler):
    body = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()
        self.wfile.write(type(self).body)

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def site() -> Iterator[tuple[str, type[_Site]]]:
    handler = type("Site", (_Site,), {"body": b""})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/", handler
    finally:
        server.shutdown()
        server.server_close()


def test_official_listing_check_over_loopback(
    session: Session,
    settings: Settings,
    clock: FixedClock,
    released: tuple[MobileApp, MobileRelease],
    site: tuple[str, type[_Site]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    c = ctx(session, settings, clock)
    assert checks.official_listing(c).status is Status.manual  # no URL configured
    url, handler = site
    monkeypatch.setenv("BROKERGUARD_MOBILE_LISTING_URL", url)
    c = ctx(session, settings.model_copy(update={"mobile": MobileSettings()}), clock)
    handler.body = listing_html(official_listing(session), "示範", "Demo").encode()
    assert checks.official_listing(c).status is Status.passed
    handler.body = handler.body.replace(b'data-version="1.0"', b'data-version="0.9"')
    result = checks.official_listing(c)
    assert result.status is Status.failed and "0.9" in result.reason_en
