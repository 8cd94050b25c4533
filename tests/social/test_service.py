from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session

from brokerguard.assessment.registry import CheckContext, Status
from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.errors import ConflictError, PermissionDeniedError, ValidationError
from brokerguard.registerkit.spec import create_item, update_item
from brokerguard.social import checks, service
from brokerguard.social.fetch import FetchPolicy
from brokerguard.social.registers import ACCOUNTS, ADMINS, MONITORING, PLATFORMS, parse_other_risks
from tests.social.loopback import serve
from tests.social.test_disclosure import EXPECTED, GOOD_PAGE

LOOPBACK = FetchPolicy(timeout_s=2.0, max_bytes=100_000, allow_private=True)


def ctx(session: Session, clock: FixedClock) -> CheckContext:
    return CheckContext(session=session, settings=Settings(), clock=clock)


def account(
    session: Session,
    clock: FixedClock,
    name: str = "示範證券 LINE 官方帳號",
    url: str = "https://line.me/R/ti/p/@demo",
) -> str:
    row = create_item(
        session,
        clock,
        ACCOUNTS,
        {
            "name": name,
            "platform": "LINE",
            "url": url,
            "owning_unit": "數位金融部",
            "privacy_reviewed_on": "115/06/01",
            "privacy_reviewed_by": "法遵 陳",
            "privacy_risks": "平台可存取好友名單與訊息紀錄",
        },
        "t",
    )
    return str(row.id)


def profile(session: Session, clock: FixedClock) -> None:
    service.set_profile(
        session,
        clock,
        {
            "firm_name": EXPECTED.firm_name,
            "address": EXPECTED.address,
            "phone": EXPECTED.phone,
            "licence_number": EXPECTED.licence_number,
            "complaint_contact": EXPECTED.complaint_contact,
            "complaint_handler": EXPECTED.complaint_handler,
        },
        "t",
    )


# --- publishing workflow -------------------------------------------------------------


def test_publishing_needs_another_approver(session: Session, clock: FixedClock) -> None:
    account(session, clock)
    post = service.draft_post(
        session,
        clock,
        account="示範證券 LINE 官方帳號",
        title="颱風停班公告",
        body="...",
        actor="amy",
    )
    with pytest.raises(PermissionDeniedError):
        service.approve_post(session, clock, post.id, approver="amy")
    with pytest.raises(ConflictError):
        service.publish_post(session, clock, post.id, publisher="amy")
    service.approve_post(session, clock, post.id, approver="ben", note="OK")
    with pytest.raises(ConflictError):
        service.edit_draft(session, clock, post.id, title="x", body="y", actor="amy")
    with pytest.raises(ValidationError):
        service.publish_post(session, clock, post.id, publisher="amy", url="javascript:alert(1)")
    published = service.publish_post(
        session, clock, post.id, publisher="amy", url="https://line.me/x"
    )
    assert (published.status, published.approved_by, published.published_by) == (
        "published",
        "ben",
        "amy",
    )
    assert checks.publishing_approved(ctx(session, clock)).status is Status.passed
    with pytest.raises(ConflictError):
        service.approve_post(session, clock, post.id, approver="ben")


def test_editing_a_draft_makes_the_editor_the_author(session: Session, clock: FixedClock) -> None:
    account(session, clock)
    post = service.draft_post(
        session, clock, account="示範證券 LINE 官方帳號", title="t", body="b", actor="amy"
    )
    service.edit_draft(session, clock, post.id, title="t2", body="b2", actor="ben")
    with pytest.raises(PermissionDeniedError):
        service.approve_post(session, clock, post.id, approver="ben")
    with pytest.raises(PermissionDeniedError):
        service.reject_post(session, clock, post.id, approver="ben", note="no")
    rejected = service.reject_post(session, clock, post.id, approver="amy", note="用語不當")
    assert rejected.status == "rejected"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"account": "nope", "title": "t", "body": "b"}, "account"),
        ({"account": "示範證券 LINE 官方帳號", "title": "", "body": "b"}, "title"),
        ({"account": "示範證券 LINE 官方帳號", "title": "t" * 300, "body": "b"}, "title"),
        ({"account": "示範證券 LINE 官方帳號", "title": "t", "body": "\x00"}, "body"),
    ],
)
def test_bad_drafts(
    session: Session, clock: FixedClock, kwargs: dict[str, str], field: str
) -> None:
    account(session, clock)
    with pytest.raises(ValidationError) as caught:
        service.draft_post(session, clock, actor="amy", **kwargs)
    assert caught.value.field == field


# --- registers and their checks ------------------------------------------------------


def test_other_risks_parsing() -> None:
    assert parse_other_risks("假冒帳號=高; 釣魚連結=medium") == {
        "假冒帳號": "high",
        "釣魚連結": "medium",
    }
    for bad in ("x", "a=extreme", "a=high; a=low", "=high"):
        with pytest.raises(ValueError):
            parse_other_risks(bad)


def test_platform_check_needs_controls_for_high_risk(session: Session, clock: FixedClock) -> None:
    assert checks.platform_risk_rated(ctx(session, clock)).status is Status.failed
    row = create_item(
        session,
        clock,
        PLATFORMS,
        {
            "name": "Facebook",
            "category": "社群網站",
            "risk_data_leakage": "高",
            "risk_social_engineering": "high",
            "risk_malware": "medium",
            "other_risks": "假冒粉專=high",
            "assessed_on": "2026-05-01",
            "assessed_by": "資安 林",
        },
        "t",
    )
    result = checks.platform_risk_rated(ctx(session, clock))
    assert result.status is Status.failed
    assert "Facebook" in result.reason_en
    update_item(
        session,
        clock,
        PLATFORMS,
        row.id,
        {"controls": "公務電腦禁止安裝；僅限官方帳號管理者使用"},
        "t",
    )
    assert checks.platform_risk_rated(ctx(session, clock)).status is Status.passed
    clock.advance(timedelta(days=400))
    assert checks.platform_risk_rated(ctx(session, clock)).status is Status.failed


def test_privacy_review_needs_risks_and_recency(session: Session, clock: FixedClock) -> None:
    with pytest.raises(ValidationError) as caught:
        create_item(
            session,
            clock,
            ACCOUNTS,
            {
                "name": "YT",
                "platform": "YouTube",
                "url": "https://youtube.com/@demo",
                "owning_unit": "u",
                "privacy_reviewed_on": "2026-01-01",
            },
            "t",
        )
    assert caught.value.field == "privacy_risks"
    with pytest.raises(ValidationError) as caught:
        create_item(
            session,
            clock,
            ACCOUNTS,
            {"name": "YT", "platform": "YouTube", "url": "javascript:x", "owning_unit": "u"},
            "t",
        )
    assert caught.value.field == "url"
    account(session, clock)
    assert checks.account_privacy_review(ctx(session, clock)).status is Status.passed
    clock.advance(timedelta(days=365))
    assert checks.account_privacy_review(ctx(session, clock)).status is Status.failed


def test_admin_mfa_check(session: Session, clock: FixedClock) -> None:
    account(session, clock)
    assert checks.account_admin_mfa(ctx(session, clock)).status is Status.failed  # no admin
    create_item(
        session,
        clock,
        ADMINS,
        {
            "account": "示範證券 LINE 官方帳號",
            "admin": "amy",
            "permission": "admin",
            "mfa_enabled": "是",
        },
        "t",
    )
    assert checks.account_admin_mfa(ctx(session, clock)).status is Status.passed
    row = create_item(
        session,
        clock,
        ADMINS,
        {
            "account": "示範證券 LINE 官方帳號",
            "admin": "ben",
            "permission": "editor",
            "mfa_enabled": "否",
        },
        "t",
    )
    result = checks.account_admin_mfa(ctx(session, clock))
    assert result.status is Status.failed
    assert "ben" in result.reason_en
    update_item(session, clock, ADMINS, row.id, {"mfa_enabled": "yes"}, "t")
    assert checks.account_admin_mfa(ctx(session, clock)).status is Status.passed
    with pytest.raises(ValidationError) as caught:
        create_item(
            session,
            clock,
            ADMINS,
            {"account": "ghost", "admin": "x", "permission": "admin", "mfa_enabled": "yes"},
            "t",
        )
    assert caught.value.field == "account"


def test_monitoring_check(session: Session, clock: FixedClock) -> None:
    account(session, clock)
    assert checks.monitoring_recent(ctx(session, clock)).status is Status.failed
    create_item(
        session,
        clock,
        MONITORING,
        {
            "account": "示範證券 LINE 官方帳號",
            "observed_on": "2026-11-20",
            "kind": "例行",
            "summary": "無異常",
            "status": "已結案",
            "handler": "amy",
            "closed_on": "2026-11-20",
        },
        "t",
    )
    assert checks.monitoring_recent(ctx(session, clock)).status is Status.passed
    create_item(
        session,
        clock,
        MONITORING,
        {
            "account": "示範證券 LINE 官方帳號",
            "observed_on": "2026-11-01",
            "kind": "complaint",
            "summary": "客戶抱怨 APP 當機",
            "status": "open",
            "handler": "amy",
        },
        "t",
    )
    assert checks.monitoring_recent(ctx(session, clock)).status is Status.failed
    with pytest.raises(ValidationError) as caught:
        create_item(
            session,
            clock,
            MONITORING,
            {
                "account": "示範證券 LINE 官方帳號",
                "observed_on": "2026-11-02",
                "kind": "incident",
                "summary": "假冒帳號",
                "status": "closed",
                "handler": "amy",
                "closed_on": "2026-11-03",
            },
            "t",
        )
    assert caught.value.field == "action"
    clock.advance(timedelta(days=45))
    assert "No monitoring entry" in checks.monitoring_recent(ctx(session, clock)).reason_en


def test_disclosure_check_against_local_page(session: Session, clock: FixedClock) -> None:
    routes = {
        "/good": (200, {"Content-Type": "text/html; charset=utf-8"}, GOOD_PAGE.encode()),
        "/bad": (200, {"Content-Type": "text/html"}, "<p>示範證券股份有限公司</p>".encode()),
        "/gone": (404, {}, b""),
    }
    with serve(routes) as base:
        good = account(session, clock, "粉絲專頁", base + "/good")
        account(session, clock, "LINE", base + "/bad")
        with pytest.raises(ConflictError):
            service.check_all_disclosures(session, clock, policy=LOOPBACK)
        profile(session, clock)
        results = {
            r.account_id: r for r in service.check_all_disclosures(session, clock, policy=LOOPBACK)
        }
    assert results[good].outcome == "pass"
    bad = next(r for k, r in results.items() if k != good)
    assert bad.outcome == "fail"
    assert set(bad.missing.split(",")) == {"address", "phone", "licence", "complaint", "handler"}
    assert checks.disclosure_identity(ctx(session, clock)).status is Status.failed
    assert checks.disclosure_complaints(ctx(session, clock)).status is Status.failed


def test_disclosure_checks_pass_and_expire(session: Session, clock: FixedClock) -> None:
    with serve({"/": (200, {}, GOOD_PAGE.encode())}) as base:
        account(session, clock, "粉絲專頁", base + "/")
        profile(session, clock)
        service.check_all_disclosures(session, clock, policy=LOOPBACK)
    assert checks.disclosure_identity(ctx(session, clock)).status is Status.passed
    assert checks.disclosure_complaints(ctx(session, clock)).status is Status.passed
    clock.advance(timedelta(days=40))
    assert checks.disclosure_identity(ctx(session, clock)).status is Status.failed


def test_unreachable_page_is_manual_not_pass(session: Session, clock: FixedClock) -> None:
    account(session, clock, "粉絲專頁", "http://127.0.0.1:9/")
    profile(session, clock)
    (result,) = service.check_all_disclosures(session, clock, policy=FetchPolicy(timeout_s=1.0))
    assert result.outcome == "error"
    assert "non-public" in result.detail
    assert checks.disclosure_identity(ctx(session, clock)).status is Status.manual


def test_profile_validation(session: Session, clock: FixedClock) -> None:
    with pytest.raises(ValidationError):
        service.set_profile(session, clock, {"firm_name": "x"}, "t")
    with pytest.raises(ValidationError) as caught:
        service.set_profile(
            session,
            clock,
            {
                "firm_name": "x",
                "address": "a",
                "phone": "12",
                "licence_number": "l",
                "complaint_contact": "c",
                "complaint_handler": "h",
            },
            "t",
        )
    assert caught.value.field == "phone"
    with pytest.raises(ValidationError):
        service.set_profile(session, clock, {"evil": "1"}, "t")


def test_dates_in_future_refused(session: Session, clock: FixedClock) -> None:
    later = (date(2026, 11, 26) + timedelta(days=3)).isoformat()
    with pytest.raises(ValidationError):
        create_item(
            session,
            clock,
            PLATFORMS,
            {
                "name": "X",
                "category": "c",
                "risk_data_leakage": "low",
                "risk_social_engineering": "low",
                "risk_malware": "low",
                "assessed_on": later,
                "assessed_by": "a",
            },
            "t",
        )
