"""The release gate (A6.3.1.4): may this artifact ship as the next release of this app?

Each rule is independent and reported with its outcome, so a CI pipeline shows
every reason at once. A first release or any permission change needs the
approval of the security and the compliance unit by two different people.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from brokerguard.clock import Clock, parse_date, to_taipei, today
from brokerguard.config import Settings
from brokerguard.errors import ConflictError, ValidationError
from brokerguard.evidence.service import store_evidence
from brokerguard.mobile.analysis import ArtifactReport
from brokerguard.mobile.approvals import Unit, approvals_of
from brokerguard.mobile.models import MobileApp, MobileRelease
from brokerguard.mobile.registry import (
    ReleaseStatus,
    find_release,
    latest_released,
    purposes,
)
from brokerguard.mobile.testing import lab_test_due, owasp_test_for

RULES = (
    "package_matches",
    "signature_intact",
    "signing_certificate",
    "not_debuggable",
    "root_debug_warning",
    "permission_purpose",
    "version_increases",
    "lab_test_current",
    "major_update_retest",
    "dual_approval",
)


@dataclass(frozen=True)
class RuleOutcome:
    rule: str
    passed: bool
    message_en: str
    message_zh: str
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "passed": self.passed,
            "message_en": self.message_en,
            "message_zh": self.message_zh,
            "details": self.details,
        }


@dataclass(frozen=True)
class GateResult:
    app: str
    artifact_sha256: str
    version_name: str | None
    previous_version: str | None
    first_release: bool
    added_permissions: list[str]
    removed_permissions: list[str]
    approval_required: bool
    release_id: str | None
    outcomes: list[RuleOutcome]

    @property
    def passed(self) -> bool:
        return all(o.passed for o in self.outcomes)

    @property
    def failed_rules(self) -> list[str]:
        return [o.rule for o in self.outcomes if not o.passed]

    def to_dict(self) -> dict[str, Any]:
        return {
            "app": self.app,
            "artifact_sha256": self.artifact_sha256,
            "version_name": self.version_name,
            "previous_version": self.previous_version,
            "first_release": self.first_release,
            "added_permissions": self.added_permissions,
            "removed_permissions": self.removed_permissions,
            "approval_required": self.approval_required,
            "release_id": self.release_id,
            "passed": self.passed,
            "failed_rules": self.failed_rules,
            "rules": [o.to_dict() for o in self.outcomes],
        }


def _ok(rule: str, en: str, zh: str, **details: Any) -> RuleOutcome:
    return RuleOutcome(rule, True, en, zh, details)


def _fail(rule: str, en: str, zh: str, **details: Any) -> RuleOutcome:
    return RuleOutcome(rule, False, en, zh, details)


def _version_number(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value, 0)
    except ValueError:
        return None


@dataclass(frozen=True)
class GateContext:
    """What every rule looks at: the candidate, the app, and the release before it."""

    session: Session
    app: MobileApp
    report: ArtifactReport
    today: date
    release: MobileRelease | None
    previous: MobileRelease | None
    added: list[str]
    removed: list[str]
    major: bool
    lab_test_valid_days: int

    @property
    def first_release(self) -> bool:
        return self.previous is None

    @property
    def approval_required(self) -> bool:
        return self.first_release or bool(self.added or self.removed)


def _package_matches(ctx: GateContext) -> RuleOutcome:
    app, report = ctx.app, ctx.report
    if report.platform != app.platform or report.facts.package != app.package_name:
        return _fail(
            "package_matches",
            f"artifact is {report.platform} {report.facts.package}; app is "
            f"{app.platform} {app.package_name}",
            "安裝檔的平台或套件名稱與登錄的 APP 不符",
        )
    return _ok("package_matches", "package matches the app", "套件名稱相符")


def _signature_intact(ctx: GateContext) -> RuleOutcome:
    report = ctx.report
    if report.platform != "android":
        return _ok(
            "signature_intact",
            "iOS code signature is checked by the store; profile certificates recorded",
            "iOS 程式碼簽章由商店驗證；已記錄描述檔憑證",
        )
    broken = report.broken_signatures
    signed = report.is_signed
    if broken or not signed:
        return _fail(
            "signature_intact",
            "a signature does not verify" if signed else "the APK is not signed",
            "簽章驗證失敗" if signed else "APK 未簽章",
            broken=broken,
        )
    return _ok("signature_intact", "every signature verifies", "所有簽章驗證通過")


def _signing_certificate(ctx: GateContext) -> RuleOutcome:
    app, report = ctx.app, ctx.report
    if not app.official_cert_sha256:
        return _fail(
            "signing_certificate",
            "no official signing certificate is registered for this app",
            "尚未登錄本 APP 的正式簽章憑證",
        )
    certs = report.signing_certificates
    official = [c for c in certs if c in app.official_cert_sha256]
    foreign = [c for c in certs if c not in app.official_cert_sha256]
    lineage = report.v3_lineage
    # A v3 rotation to a new key is accepted when the lineage starts from an official key.
    if foreign and lineage and lineage[0] in app.official_cert_sha256:
        foreign = [c for c in foreign if c not in lineage]
    if not official or foreign:
        return _fail(
            "signing_certificate",
            "signed with a certificate that is not the official one",
            "簽章憑證非正式憑證",
            certificates=certs,
            foreign=foreign,
        )
    return _ok("signing_certificate", "signed with the official certificate", "以正式憑證簽章")


def _not_debuggable(ctx: GateContext) -> RuleOutcome:
    if ctx.report.facts.is_debuggable:
        return _fail("not_debuggable", "debuggable build", "可除錯版本（debuggable）不得上架")
    return _ok("not_debuggable", "not debuggable", "非可除錯版本")


def _root_debug_warning(ctx: GateContext) -> RuleOutcome:
    """A6.3.2.2: the app must be able to warn on rooted or debug-enabled devices."""
    missing = []
    if not ctx.report.has_root_warning:
        missing.append("root/jailbreak")
    if not ctx.report.has_debug_warning:
        missing.append("debugger")
    if not ctx.report.has_usb_debug_warning:
        missing.append("USB debugging")
    if missing:
        return _fail(
            "root_debug_warning",
            f"no {' or '.join(missing)} detection found in the code",
            "程式未偵測 Root／越獄或除錯狀態，無法於啟動時提示風險",
            missing=missing,
        )
    return _ok("root_debug_warning", "root and debug detection present", "具 Root 與除錯偵測")


def _permission_purpose(ctx: GateContext) -> RuleOutcome:
    """A6.3.1.1: every requested permission has a purpose in both languages."""
    stated = purposes(ctx.session, ctx.app)
    no_purpose = sorted(
        p
        for p in set(ctx.report.permissions)
        if p not in stated or not stated[p].purpose_zh.strip() or not stated[p].purpose_en.strip()
    )
    if no_purpose:
        return _fail(
            "permission_purpose",
            f"{len(no_purpose)} permission(s) without a stated purpose",
            f"{len(no_purpose)} 項權限未說明用途",
            permissions=no_purpose,
        )
    return _ok("permission_purpose", "every permission has a purpose", "每項權限皆已說明用途")


def _version_increases(ctx: GateContext) -> RuleOutcome:
    previous = ctx.previous
    if previous is None:
        return _ok("version_increases", "first release", "首次上架")
    new_code = _version_number(ctx.report.facts.version_code)
    old_code = _version_number(previous.version_code)
    if new_code is None or old_code is None or new_code <= old_code:
        return _fail(
            "version_increases",
            f"version code {ctx.report.facts.version_code} does not increase over "
            f"{previous.version_code}",
            "版本號未大於前一版",
        )
    return _ok("version_increases", "version increases", "版本號遞增")


def _lab_test_current(ctx: GateContext) -> RuleOutcome:
    """A6.3.3.1: customer-facing apps need a passed TAF lab test within the year."""
    if not ctx.app.customer_facing:
        return _ok("lab_test_current", "internal app: no lab test required", "內部 APP 不適用")
    due = lab_test_due(ctx.session, ctx.app, ctx.today, ctx.lab_test_valid_days)
    if due.last is None or due.overdue:
        return _fail(
            "lab_test_current",
            "no passed TAF lab test within the last 12 months"
            if due.last is not None
            else "no passed TAF lab test before first listing",
            "無 12 個月內通過之第三方檢測實驗室檢測",
            last_report=due.last.report_date.isoformat() if due.last else None,
        )
    return _ok("lab_test_current", f"lab test valid until {due.due}", f"檢測有效至 {due.due}")


def _major_update_retest(ctx: GateContext) -> RuleOutcome:
    """A6.3.3.2: a major update needs a passed OWASP Mobile Top 10 test of this release."""
    if not ctx.major:
        return _ok("major_update_retest", "not a major update", "非重大更新")
    owasp = owasp_test_for(ctx.session, ctx.release) if ctx.release is not None else None
    if owasp is None:
        return _fail(
            "major_update_retest",
            "major update without a passed OWASP Mobile Top 10 test",
            "重大更新未經 OWASP Mobile Top 10 檢測",
        )
    return _ok("major_update_retest", "OWASP retest recorded", "已有 OWASP 檢測紀錄")


def _dual_approval(ctx: GateContext) -> RuleOutcome:
    """A6.3.1.4: first release or permission change needs security and compliance."""
    if not ctx.approval_required:
        return _ok("dual_approval", "no permission change: approval not required", "權限未異動")
    found = approvals_of(ctx.session, ctx.release) if ctx.release is not None else {}
    lacking = [u.value for u in Unit if u not in found]
    same = (
        Unit.security in found
        and Unit.compliance in found
        and found[Unit.security].approver == found[Unit.compliance].approver
    )
    if lacking or same:
        return _fail(
            "dual_approval",
            ("first release" if ctx.first_release else "permission change")
            + f" needs approval by {', '.join(lacking) or 'two different people'}",
            "首次上架或權限異動須經資安專責單位及法遵單位兩人分別核准",
            missing=lacking,
            registered=ctx.release is not None,
        )
    return _ok(
        "dual_approval",
        "approved by security and compliance",
        "已經資安專責單位及法遵單位核准",
        approvers={u.value: a.approver for u, a in found.items()},
    )


RULE_FUNCTIONS: tuple[Callable[[GateContext], RuleOutcome], ...] = (
    _package_matches,
    _signature_intact,
    _signing_certificate,
    _not_debuggable,
    _root_debug_warning,
    _permission_purpose,
    _version_increases,
    _lab_test_current,
    _major_update_retest,
    _dual_approval,
)


def evaluate_gate(
    session: Session,
    clock: Clock,
    app: MobileApp,
    report: ArtifactReport,
    *,
    major_update: bool | None = None,
    lab_test_valid_days: int = 365,
) -> GateResult:
    """Evaluate every rule for ``report`` as the next release of ``app``. Writes nothing."""
    release = find_release(session, app, report.facts.artifact_sha256)
    previous = latest_released(session, app)
    if previous is not None and release is not None and previous.id == release.id:
        previous = None
    current = set(report.permissions)
    before = set(previous.permissions) if previous is not None else set()
    ctx = GateContext(
        session=session,
        app=app,
        report=report,
        today=to_taipei(clock.now()).date(),
        release=release,
        previous=previous,
        added=sorted(current - before),
        removed=sorted(before - current),
        major=major_update if major_update is not None else bool(release and release.major_update),
        lab_test_valid_days=lab_test_valid_days,
    )
    return GateResult(
        app=app.slug,
        artifact_sha256=report.facts.artifact_sha256,
        version_name=report.facts.version_name,
        previous_version=previous.version_name if previous is not None else None,
        first_release=ctx.first_release,
        added_permissions=ctx.added,
        removed_permissions=ctx.removed,
        approval_required=ctx.approval_required,
        release_id=release.id if release is not None else None,
        outcomes=[rule(ctx) for rule in RULE_FUNCTIONS],
    )


def publish_release(
    session: Session,
    clock: Clock,
    app: MobileApp,
    release: MobileRelease,
    report: ArtifactReport,
    *,
    released_on: date,
    store: str = "",
    lab_test_valid_days: int = 365,
    settings: Settings | None = None,
    actor: str = "",
) -> GateResult:
    """Mark a candidate released; refused unless the gate passes for its artifact.

    With ``settings``, the permission declaration of the release (each permission
    with its purpose in both languages) is kept as evidence against A6.3.1.1.
    """
    if release.app_id != app.id:
        raise ValidationError("the release belongs to another app", field="release")
    if release.status != ReleaseStatus.candidate:
        raise ConflictError(f"release is {release.status}, not a candidate", field="release")
    if report.facts.artifact_sha256 != release.artifact_sha256:
        raise ValidationError("the artifact is not the one registered", field="artifact")
    result = evaluate_gate(session, clock, app, report, lab_test_valid_days=lab_test_valid_days)
    if not result.passed:
        raise ConflictError(
            f"the release gate fails: {', '.join(result.failed_rules)}", field="release"
        )
    release.status = ReleaseStatus.released
    release.released_on = released_on
    if store:
        release.store = store[:64]
    session.flush()
    if settings is not None:
        _store_declaration(session, clock, settings, app, release, actor or release.created_by)
    return result


def _store_declaration(
    session: Session,
    clock: Clock,
    settings: Settings,
    app: MobileApp,
    release: MobileRelease,
    actor: str,
) -> None:
    stated = purposes(session, app)
    declaration = {
        "app": app.slug,
        "name_zh": app.name_zh,
        "name_en": app.name_en,
        "package": app.package_name,
        "version_name": release.version_name,
        "released_on": release.released_on.isoformat() if release.released_on else None,
        "store": release.store,
        "store_urls": app.store_urls,
        "permissions": [
            {
                "permission": p,
                "purpose_zh": stated[p].purpose_zh,
                "purpose_en": stated[p].purpose_en,
                "sensitive_data": stated[p].sensitive_data,
            }
            for p in release.permissions
            if p in stated
        ],
    }
    store_evidence(
        session,
        clock,
        settings,
        content=json.dumps(declaration, ensure_ascii=False, indent=2).encode(),
        filename=f"permission-declaration-{app.slug}-{release.version_name}.json",
        title=f"{app.name_zh} {release.version_name} 權限用途說明",
        requirement_ids=["A6.3.1.1"],
        kind="permission_declaration",
        uploaded_by=actor,
    )


def publish_from_form(
    session: Session,
    clock: Clock,
    settings: Settings,
    app: MobileApp,
    release: MobileRelease,
    report: ArtifactReport,
    *,
    released_on: str,
    actor: str,
) -> GateResult:
    """Publish a candidate as the page and the JSON API ask for it: ``released_on`` as
    typed (ISO or ROC date, blank for today), the lab-test validity and the permission
    evidence from ``settings``."""
    try:
        when = parse_date(released_on) if released_on.strip() else today(clock)
    except ValueError as exc:
        raise ValidationError(str(exc), field="released_on") from None
    return publish_release(
        session,
        clock,
        app,
        release,
        report,
        released_on=when,
        lab_test_valid_days=settings.mobile.lab_test_valid_days,
        settings=settings,
        actor=actor,
    )
