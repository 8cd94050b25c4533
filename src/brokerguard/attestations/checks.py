"""A3.1, A3.2, A4.1, A11.1: a current attestation for each referenced rule."""

from __future__ import annotations

from brokerguard.assessment.registry import CheckContext, CheckResult, check
from brokerguard.attestations.models import AttestationItem
from brokerguard.attestations.service import (
    MANDATORY_REQUIREMENTS,
    attestations_for,
    attester_role,
    cadence_months,
    latest_due,
    list_rulebooks,
    resolve_attester,
)
from brokerguard.clock import roc_date, today
from brokerguard.evidence.service import find_by_reference


def _attester_problem(ctx: CheckContext, item: AttestationItem) -> tuple[str, str] | None:
    """Why the attester of ``item`` cannot vouch for it (zh, en), or None."""
    rule = item.referenced_rule
    role = attester_role(item.requirement_id)
    if item.attester_unverified:
        return (
            f"「{rule}」之聲明人「{item.attested_by}」於升級時無法對應具{role.label_zh}角色之"
            f"在職人員帳號，本聲明不再作為佐證，請由{role.label_zh}重新聲明",
            f"The attestation for '{rule}' no longer counts: its attester {item.attested_by!r} "
            f"did not resolve to an active staff user holding the {role.value} role when the "
            f"database was upgraded; the {role.label_en} must attest again",
        )
    if resolve_attester(ctx.session, item.requirement_id, item.attested_by) is None:
        return (
            f"「{rule}」之聲明人「{item.attested_by}」非具{role.label_zh}角色之在職人員帳號",
            f"The attester of '{rule}' ({item.attested_by!r}) is not an active staff user "
            f"holding the {role.value} role",
        )
    return None


def _problems(ctx: CheckContext, item: AttestationItem) -> tuple[str, str] | None:
    """Why an applicable attestation does not prove its rule (zh, en), or None."""
    day = today(ctx.clock)
    rule = item.referenced_rule
    attester = _attester_problem(ctx, item)
    if attester is not None:
        return attester
    if item.next_due < day:
        return (
            f"「{rule}」遵循聲明已逾檢視期限（{roc_date(item.next_due)}）",
            f"The attestation for '{rule}' is past due ({item.next_due})",
        )
    bound = latest_due(item.requirement_id, item.attested_on)
    if item.next_due > bound:
        months = cadence_months(item.requirement_id)
        return (
            f"「{rule}」下次檢視日 {roc_date(item.next_due)} 超過每 {months} 個月之檢視週期",
            f"The attestation for '{rule}' is next due {item.next_due}, beyond the "
            f"{months}-month review cadence ({bound})",
        )
    if not item.evidence_ref:
        return (
            f"「{rule}」遵循聲明未附證據庫之佐證文件",
            f"The attestation for '{rule}' has no document from the evidence store",
        )
    record = find_by_reference(ctx.session, item.evidence_ref)
    if record is None:
        return (
            f"「{rule}」之佐證 {item.evidence_ref} 不在證據庫中",
            f"The evidence of '{rule}' ({item.evidence_ref}) is not in the evidence store",
        )
    if not record.is_current(day):
        return (
            f"「{rule}」之佐證「{record.title}」已失效（{record.valid_until}）",
            f"The evidence of '{rule}' ('{record.title}') is no longer valid "
            f"({record.valid_until})",
        )
    return None


def attestation_current(ctx: CheckContext, requirement_id: str) -> CheckResult:
    """Pass when every applicable attestation is in date, within the review cadence,
    attested by an active staff user holding the role the requirement names and backed by
    a current evidence-store document; N/A only for a requirement that may not apply
    (A3.2), attested by such a user, never for A3.1, A4.1 or A11.1."""
    items = attestations_for(ctx.session, requirement_id)
    if not items:
        return CheckResult.failed(
            "尚無引用規範之遵循聲明",
            "No attestation for the referenced rule",
        )
    applicable = [i for i in items if i.applicable]
    if requirement_id in MANDATORY_REQUIREMENTS and len(applicable) < len(items):
        return CheckResult.failed(
            f"{requirement_id} 適用於所有證券商，不得聲明不適用",
            f"{requirement_id} applies to every securities firm: 'not applicable' is not accepted",
            evidence=[f"record:attestations_items:{i.id}" for i in items if not i.applicable],
        )
    if not applicable:
        who = items[0]
        unverified = _attester_problem(ctx, who)
        if unverified is not None:
            return CheckResult.failed(*unverified, evidence=[f"record:attestations_items:{who.id}"])
        return CheckResult.not_applicable(
            f"聲明人「{who.attested_by}」聲明本條不適用（{roc_date(who.attested_on)}）",
            f"{who.attested_by} attested that this does not apply ({who.attested_on})",
        )
    evidence = [f"record:attestations_items:{i.id}" for i in applicable]
    evidence += [i.evidence_ref for i in applicable if i.evidence_ref]
    evidence += [
        f"record:attestations_rulebooks:{r.id}"
        for r in list_rulebooks(ctx.session)
        if r.requirement_id == requirement_id
    ]
    problems = [p for p in (_problems(ctx, i) for i in applicable) if p is not None]
    if problems:
        return CheckResult.failed(
            "；".join(zh for zh, _ in problems),
            "; ".join(en for _, en in problems),
            evidence=evidence,
            problems=len(problems),
        )
    names = "、".join(f"{i.referenced_rule}（{i.rule_version}）" for i in applicable)
    names_en = ", ".join(f"{i.referenced_rule} ({i.rule_version})" for i in applicable)
    return CheckResult.passed(
        f"遵循聲明在有效期內並附證據庫佐證：{names}",
        f"Attestations in date, each backed by an evidence-store document: {names_en}",
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
