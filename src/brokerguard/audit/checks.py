"""A9.9 checks: the audit trail verifies, is sealed recently and keeps 5 years."""

from __future__ import annotations

from datetime import timedelta

from brokerguard.assessment.registry import CheckContext, CheckResult, check
from brokerguard.audit import service
from brokerguard.audit.retention import GUARD_TRIGGERS, missing_guards
from brokerguard.audit.sealing import latest_head
from brokerguard.audit.settings import RETENTION_FLOOR_YEARS
from brokerguard.clock import as_utc

SEAL_MAX_AGE = timedelta(hours=24)


@check(
    "A9.9",
    id="audit.trail_verifies",
    title_zh="個資使用稽核軌跡完整且未遭竄改",
    title_en="The personal-data audit trail verifies (no record changed, deleted or inserted)",
)
def trail_verifies(ctx: CheckContext) -> CheckResult:
    head = latest_head(ctx.session)
    if head is None:
        return CheckResult.failed(
            "稽核軌跡尚無任何已簽章之樹頭（未記錄或未封存）",
            "The audit trail has no signed tree head yet (nothing recorded or sealed)",
        )
    report = service.verify(ctx.session, ctx.settings, now=ctx.clock.now())
    evidence = [f"audit:tree-head:{head.tree_size}"]
    if not report.ok:
        return CheckResult.failed(
            f"稽核軌跡驗證失敗：序號 {report.first_bad_seq}（{report.problem}）",
            f"Audit trail verification failed at sequence number {report.first_bad_seq} "
            f"({report.problem}): {report.message}",
            evidence,
            first_bad_seq=report.first_bad_seq,
        )
    limit = ctx.settings.audit.max_unsealed_s
    age = report.unsealed_age_s
    if age is not None and age > limit:
        return CheckResult.failed(
            f"{report.unsealed_events} 筆紀錄已 {age} 秒未封存簽章（上限 {limit} 秒），"
            "未封存期間內部人員可竄改而不被發現",
            f"{report.unsealed_events} records have stayed unsealed for {age} s (limit {limit} s): "
            "until sealed, an insider could change them unnoticed",
            evidence,
            unsealed_events=report.unsealed_events,
            unsealed_age_s=age,
            max_unsealed_s=limit,
        )
    return CheckResult.passed(
        f"已驗證 {report.events_checked} 筆紀錄與 {report.heads_checked} 個簽章樹頭；"
        f"未封存 {report.unsealed_events} 筆",
        f"{report.events_checked} records and {report.heads_checked} signed tree heads verify; "
        f"{report.unsealed_events} unsealed",
        evidence,
        events=report.events_checked,
        unsealed_events=report.unsealed_events,
        unsealed_age_s=age,
        max_unsealed_s=limit,
    )


@check(
    "A9.9",
    id="audit.sealed_recently",
    title_zh="稽核軌跡於 24 小時內封存簽章",
    title_en="The audit trail was sealed and signed within 24 hours",
)
def sealed_recently(ctx: CheckContext) -> CheckResult:
    head = latest_head(ctx.session)
    open_events = service.last_seq(ctx.session) + 1 - (head.tree_size if head else 0)
    if head is None and open_events == 0:
        return CheckResult.failed("尚無稽核紀錄", "No audit records yet")
    if open_events > 0 and (
        head is None or ctx.clock.now() - as_utc(head.sealed_at) > SEAL_MAX_AGE
    ):
        return CheckResult.failed(
            f"{open_events} 筆紀錄逾 24 小時未封存",
            f"{open_events} records have waited more than 24 hours to be sealed",
        )
    assert head is not None
    return CheckResult.passed(
        f"最近封存：樹大小 {head.tree_size}",
        f"Latest seal: tree size {head.tree_size}",
        [f"audit:tree-head:{head.tree_size}"],
    )


@check(
    "A9.9",
    id="audit.retention_five_years",
    title_zh="稽核軌跡保存至少 5 年",
    title_en="Audit trails are kept at least 5 years",
)
def retention_five_years(ctx: CheckContext) -> CheckResult:
    """Enforced floor: the setting refuses less than 5 years and the database refuses
    deleting younger records; the check proves the database guard is in place."""
    years = ctx.settings.audit.retention_years
    if years < RETENTION_FLOOR_YEARS:  # unreachable through settings validation
        return CheckResult.failed(f"保存 {years} 年", f"Kept {years} years")
    missing = missing_guards(ctx.session)
    if missing:
        return CheckResult.failed(
            f"資料庫缺少稽核軌跡防刪除觸發程序：{', '.join(missing)}",
            f"The database lacks the audit trail's delete guards: {', '.join(missing)}",
            missing_guards=", ".join(missing),
        )
    return CheckResult.passed(
        f"保存期限設定為 {years} 年（不得低於 {RETENTION_FLOOR_YEARS} 年）；資料庫觸發程序拒絕刪除"
        f"未滿 {RETENTION_FLOOR_YEARS} 年之紀錄，僅可清除逾期且未受法律保全之整月資料",
        f"Retention is {years} years (never below {RETENTION_FLOOR_YEARS}); database triggers "
        f"refuse deleting records younger than {RETENTION_FLOOR_YEARS} years, and only whole "
        "months past retention and not on legal hold may be purged",
        retention_years=years,
        enforced="settings validation and database triggers",
        guards=", ".join(GUARD_TRIGGERS.get(ctx.session.connection().dialect.name, ())),
    )
