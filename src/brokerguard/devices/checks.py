"""Checks for A6.1 (company mobile devices) and A6.2 (BYOD) on the register and MDM state.

Whether a policy covers A6.1/A6.2 is checked by ``policies.in_force.*``; these
checks look at what the register and the MDM say about the devices themselves.
"""

from __future__ import annotations

from brokerguard.assessment.registry import CheckContext, CheckResult, check
from brokerguard.devices import service
from brokerguard.devices.schemas import PROBLEM_LABELS, ComplianceRow, Ownership, Problem

MAX_LISTED = 10


def _describe(rows: list[ComplianceRow]) -> tuple[str, str]:
    zh, en = [], []
    for row in rows[:MAX_LISTED]:
        who = row.registered.holder if row.registered else row.device_id
        zh.append(f"{who}（{'、'.join(PROBLEM_LABELS[p][0] for p in row.problems)}）")
        en.append(f"{who} ({', '.join(PROBLEM_LABELS[p][1] for p in row.problems)})")
    more = len(rows) - MAX_LISTED
    return "；".join(zh) + (f" 等 {len(rows)} 台" if more > 0 else ""), "; ".join(en) + (
        f" and {more} more" if more > 0 else ""
    )


def _ownership_check(ctx: CheckContext, ownership: Ownership) -> CheckResult:
    rows = [
        r
        for r in service.compliance(ctx.session, ctx.clock, ctx.settings.devices)
        if r.registered is not None and r.registered.ownership is ownership
    ]
    label_zh = "公務用行動裝置" if ownership is Ownership.company else "員工自攜行動裝置"
    label_en = "company mobile devices" if ownership is Ownership.company else "BYOD devices"
    if not rows:
        return CheckResult.manual(
            f"清冊中無{label_zh}；如確無此類裝置請於規範中載明",
            f"No {label_en} registered; if there are none, say so in the policy",
        )
    bad = [r for r in rows if r.problems]
    if bad:
        zh, en = _describe(bad)
        return CheckResult.failed(
            f"{len(bad)}／{len(rows)} 台{label_zh}不符規定：{zh}",
            f"{len(bad)} of {len(rows)} {label_en} are non-compliant: {en}",
            evidence=[
                f"record:devices_devices:{r.registered.id}"
                for r in bad[:MAX_LISTED]
                if r.registered
            ],
            noncompliant=len(bad),
        )
    return CheckResult.passed(
        f"{len(rows)} 台{label_zh}均已登錄、簽署規範且 MDM 狀態符合"
        "（加密、密碼、未破解、版本、回報）",
        f"All {len(rows)} {label_en} registered, acknowledged and compliant in the MDM",
        devices=len(rows),
    )


@check(
    "A6.1",
    id="devices.company_compliant",
    title_zh="公務用行動裝置已登錄、簽署規範且 MDM 狀態符合",
    title_en="Company mobile devices registered, acknowledged and MDM-compliant",
)
def company_compliant(ctx: CheckContext) -> CheckResult:
    return _ownership_check(ctx, Ownership.company)


@check(
    "A6.2",
    id="devices.byod_compliant",
    title_zh="員工自攜行動裝置已登錄、簽署規範且 MDM 狀態符合",
    title_en="BYOD devices registered, acknowledged and MDM-compliant",
)
def byod_compliant(ctx: CheckContext) -> CheckResult:
    return _ownership_check(ctx, Ownership.byod)


@check(
    "A6.1",
    "A6.2",
    id="devices.no_unregistered_access",
    title_zh="可存取敏感業務之行動裝置均已登錄",
    title_en="Every mobile device that may reach sensitive business is registered",
)
def no_unregistered_access(ctx: CheckContext) -> CheckResult:
    states = service.list_mdm_states(ctx.session)
    if not states:
        return CheckResult.manual("尚未匯入 MDM 裝置清單", "No MDM export imported yet")
    rows = [
        r
        for r in service.compliance(ctx.session, ctx.clock, ctx.settings.devices)
        if Problem.unregistered in r.problems
    ]
    if rows:
        shown = ", ".join(r.device_id for r in rows[:MAX_LISTED])
        return CheckResult.failed(
            f"MDM 中有 {len(rows)} 台可存取敏感業務之裝置未登錄於清冊：{shown}",
            f"{len(rows)} MDM device(s) may reach sensitive business but are not registered: "
            f"{shown}",
            unregistered=len(rows),
        )
    return CheckResult.passed(
        f"MDM 回報之 {len(states)} 台裝置中，可存取敏感業務者均已登錄",
        f"Of {len(states)} MDM devices, every one reaching sensitive business is registered",
    )
