"""A3.1, A3.2, A4.1, A11.1: a current attestation for each referenced rule."""

from __future__ import annotations

from brokerguard.assessment.registry import CheckContext, CheckResult, check
from brokerguard.attestations.service import attestations_for, list_rulebooks
from brokerguard.clock import roc_date, today


def attestation_current(ctx: CheckContext, requirement_id: str) -> CheckResult:
    """Pass when every applicable attestation is in date; N/A when all say not applicable."""
    day = today(ctx.clock)
    items = attestations_for(ctx.session, requirement_id)
    if not items:
        return CheckResult.failed(
            "尚無引用規範之遵循聲明",
            "No attestation for the referenced rule",
        )
    applicable = [i for i in items if i.applicable]
    if not applicable:
        who = items[0]
        return CheckResult.not_applicable(
            f"{who.attested_by} 聲明本條不適用（{roc_date(who.attested_on)}）",
            f"{who.attested_by} attested that this does not apply ({who.attested_on})",
        )
    evidence = [f"record:attestations_items:{i.id}" for i in applicable]
    evidence += [i.evidence_ref for i in applicable if i.evidence_ref]
    evidence += [
        f"record:attestations_rulebooks:{r.id}"
        for r in list_rulebooks(ctx.session)
        if r.requirement_id == requirement_id
    ]
    late = [i for i in applicable if i.next_due < day]
    if late:
        first = late[0]
        return CheckResult.failed(
            f"「{first.referenced_rule}」遵循聲明已逾檢視期限（{roc_date(first.next_due)}）",
            f"The attestation for '{first.referenced_rule}' is past due ({first.next_due})",
            evidence=evidence,
            overdue=len(late),
        )
    missing = [i for i in applicable if not i.evidence_ref]
    if missing:
        return CheckResult.manual(
            f"「{missing[0].referenced_rule}」遵循聲明尚未附佐證，請人工確認",
            f"The attestation for '{missing[0].referenced_rule}' has no evidence; confirm by hand",
            evidence=evidence,
        )
    names = "、".join(f"{i.referenced_rule}（{i.rule_version}）" for i in applicable)
    names_en = ", ".join(f"{i.referenced_rule} ({i.rule_version})" for i in applicable)
    return CheckResult.passed(
        f"遵循聲明在有效期內：{names}",
        f"Attestations in date: {names_en}",
        evidence=evidence,
    )


@check(
    "A3.1",
    id="attestations.a3_1_current",
    title_zh="遵循個資檔案安全維護辦法及證交所資安查核機制之聲明在有效期內",
    title_en="Attestation of the FSC personal-data and TWSE inspection rules is in date",
)
def a3_1(ctx: CheckContext) -> CheckResult:
    return attestation_current(ctx, "A3.1")


@check(
    "A3.2",
    id="attestations.a3_2_current",
    title_zh="外資集團規範比較聲明在有效期內（或不適用）",
    title_en="Foreign-group rule comparison attested (or not applicable)",
)
def a3_2(ctx: CheckContext) -> CheckResult:
    return attestation_current(ctx, "A3.2")


@check(
    "A4.1",
    id="attestations.a4_1_current",
    title_zh="雲端服務運作安全自律規範遵循聲明在有效期內",
    title_en="Cloud Service Operation Security rules attestation is in date",
)
def a4_1(ctx: CheckContext) -> CheckResult:
    return attestation_current(ctx, "A4.1")


@check(
    "A11.1",
    id="attestations.a11_1_current",
    title_zh="人工智慧技術作業規範遵循聲明在有效期內",
    title_en="AI Technology Self-Regulatory Rules attestation is in date",
)
def a11_1(ctx: CheckContext) -> CheckResult:
    return attestation_current(ctx, "A11.1")
