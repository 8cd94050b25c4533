"""Checks of Article 9 (A9.1-A9.8) over the live configuration and data."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from sqlalchemy import func, select

from brokerguard.assessment.registry import CheckContext, CheckResult, Status, check
from brokerguard.auth.assessments import method_is_assessed
from brokerguard.auth.factor_registry import FACTORS
from brokerguard.auth.factors import Category
from brokerguard.auth.models import (
    BiometricAssessment,
    CredentialEvent,
    EnrolledFactor,
    EtradeCustomer,
    EtradeSession,
    LoginAttempt,
)
from brokerguard.auth.passwords import is_argon2id, meets_owasp_floor
from brokerguard.auth.secretbox import SecretBox
from brokerguard.auth.settings import (
    LOCK_THRESHOLD_CEILING,
    MIN_CATEGORIES_FLOOR,
    MIN_PASSWORD_LENGTH_FLOOR,
)
from brokerguard.auth.tls import probe_tls
from brokerguard.config import Environment
from brokerguard.errors import ConfigurationError
from brokerguard.evidence.service import evidence_for

Details = dict[str, str | int | float | bool | None]


def _result(
    status: Status,
    zh: str,
    en: str,
    details: Mapping[str, str | int | float | bool | None] | None = None,
    evidence: tuple[str, ...] = (),
) -> CheckResult:
    return CheckResult(status, zh, en, evidence, dict(details or {}))


NON_KNOWLEDGE = tuple(t for t, f in FACTORS.items() if Category.knowledge not in f.categories)


def _customers_without_second_category(ctx: CheckContext) -> list[str]:
    with_factor = (
        select(EnrolledFactor.customer_id)
        .where(EnrolledFactor.status == "active", EnrolledFactor.type.in_(NON_KNOWLEDGE))
        .distinct()
    )
    return list(
        ctx.session.scalars(
            select(EtradeCustomer.account)
            .where(EtradeCustomer.status == "active", EtradeCustomer.id.not_in(with_factor))
            .order_by(EtradeCustomer.account)
        )
    )


@check(
    "A9.1",
    "A9.1.1",
    "A9.1.2",
    id="auth.two_categories",
    title_zh="電子交易登入採兩種以上不同類別之驗證因子",
    title_en="E-trading login uses factors of two or more categories",
)
def two_categories(ctx: CheckContext) -> CheckResult:
    auth = ctx.settings.auth
    total = ctx.session.scalar(
        select(func.count()).select_from(EtradeCustomer).where(EtradeCustomer.status == "active")
    )
    if not total:
        return CheckResult.not_applicable(
            "本系統尚無電子交易客戶（若由其他系統提供登入，請以佐證資料證明）",
            "No e-trading customers in brokerguard yet (if another system serves the logins, "
            "prove it with evidence)",
        )
    missing = _customers_without_second_category(ctx)
    weak_sessions = ctx.session.scalar(
        select(func.count())
        .select_from(EtradeSession)
        .where(~EtradeSession.categories.contains(","))
    )
    details = {
        "customers": total,
        "without_second_factor": len(missing),
        "min_categories": auth.min_categories,
    }
    if auth.min_categories < MIN_CATEGORIES_FLOOR or weak_sessions:
        return _result(
            Status.failed,
            f"有 {weak_sessions} 個連線僅以單一類別登入",
            f"{weak_sessions} sessions used one category",
            details,
        )
    if missing:
        sample = ", ".join(missing[:5])
        return _result(
            Status.failed,
            f"{len(missing)} 位客戶僅有密碼（知識類），無法完成雙因子登入：{sample}",
            f"{len(missing)} customers hold only a password (knowledge) and cannot log in "
            f"with two categories: {sample}",
            details,
        )
    return _result(
        Status.passed,
        f"登入政策要求 {auth.min_categories} 類因子；{total} 位客戶皆已綁定第二類因子",
        f"Policy requires {auth.min_categories} categories; all {total} customers hold a second",
        details,
    )


@check(
    "A9.1.3",
    id="auth.indirect_biometric_assessed",
    title_zh="間接生物特徵驗證已事先評估有效性",
    title_en="Indirect biometric verification was assessed before use",
)
def indirect_biometric_assessed(ctx: CheckContext) -> CheckResult:
    methods = list(ctx.session.scalars(select(BiometricAssessment.method).distinct()))
    used = ctx.session.scalar(
        select(func.count()).select_from(LoginAttempt).where(LoginAttempt.factor == "biometric")
    )
    if not methods and not used:
        return CheckResult.not_applicable(
            "未採用間接生物特徵驗證", "Indirect biometrics not in use"
        )
    lapsed = [m for m in methods if not method_is_assessed(ctx.session, ctx.clock, m)]
    evidence = [f"record:auth_biometric_assessments:{m}" for m in methods]
    evidence += [record.reference for record in evidence_for(ctx.session, "A9.1.3")]
    if used and not methods:
        return _result(
            Status.failed,
            "已使用生物特徵但無有效性評估紀錄",
            "Biometrics used without any assessment",
        )
    if lapsed:
        return CheckResult.failed(
            f"以下方法之有效性評估不存在、已逾期或結論為無效：{', '.join(lapsed)}",
            f"Assessment missing, lapsed or negative for: {', '.join(lapsed)}",
            evidence,
        )
    return CheckResult.passed(
        f"{len(methods)} 種間接驗證方法皆有有效性評估",
        f"{len(methods)} methods assessed effective",
        evidence,
    )


@check(
    "A9.2",
    id="auth.credential_lifecycle",
    title_zh="憑證申請、交付、使用、展期及驗證之控管留有紀錄",
    title_en="Credential application, delivery, renewal and use are recorded",
)
def credential_lifecycle(ctx: CheckContext) -> CheckResult:
    factors = ctx.session.scalar(select(func.count()).select_from(EnrolledFactor))
    if not factors:
        return CheckResult.manual(
            "本系統尚未核發任何驗證工具；請上傳憑證申請、交付及展期作業之佐證",
            "No credentials issued in brokerguard yet; upload evidence of the application, "
            "delivery and renewal procedure",
        )
    stale_pending = ctx.session.scalar(
        select(func.count())
        .select_from(EnrolledFactor)
        .where(
            EnrolledFactor.status == "pending",
            EnrolledFactor.created_at < ctx.clock.now() - timedelta(days=7),
        )
    )
    undocumented = ctx.session.scalar(
        select(func.count())
        .select_from(EnrolledFactor)
        .where(
            EnrolledFactor.id.not_in(
                select(CredentialEvent.factor_id).where(
                    CredentialEvent.step == "issue", CredentialEvent.factor_id.is_not(None)
                )
            )
        )
    )
    expired_active = ctx.session.scalar(
        select(func.count())
        .select_from(EnrolledFactor)
        .where(EnrolledFactor.status == "active", EnrolledFactor.expires_at < ctx.clock.now())
    )
    details: Details = {
        "factors": factors,
        "stale_pending": stale_pending,
        "undocumented": undocumented,
        "expired_active": expired_active,
    }
    if undocumented or expired_active:
        return _result(
            Status.failed,
            f"{undocumented} 個驗證工具缺核發紀錄，{expired_active} 個已逾期仍啟用",
            f"{undocumented} credentials lack an issue record, {expired_active} expired but active",
            details,
        )
    if stale_pending:
        return _result(
            Status.failed,
            f"{stale_pending} 個驗證工具核發逾 7 日仍未完成交付",
            f"{stale_pending} credentials issued over 7 days ago are still not delivered",
            details,
        )
    return _result(
        Status.passed,
        "驗證工具之核發、交付皆有紀錄",
        "Every credential has issue and delivery records",
        details,
    )


@check(
    "A9.3",
    id="auth.failed_login_records",
    title_zh="保存登入失敗及非客戶帳號嘗試登入之紀錄",
    title_en="Failed logins and attempts on non-customer accounts are recorded",
)
def failed_login_records(ctx: CheckContext) -> CheckResult:
    since = ctx.clock.now() - timedelta(days=30)
    failures = ctx.session.scalar(
        select(func.count())
        .select_from(LoginAttempt)
        .where(LoginAttempt.outcome == "failure", LoginAttempt.created_at >= since)
    )
    unknown = ctx.session.scalar(
        select(func.count())
        .select_from(LoginAttempt)
        .where(LoginAttempt.account_known.is_(False), LoginAttempt.created_at >= since)
    )
    recent = ctx.session.scalar(
        select(func.count()).select_from(LoginAttempt).where(LoginAttempt.created_at >= since)
    )
    if not recent:
        total = ctx.session.scalar(select(func.count()).select_from(LoginAttempt))
        if not total:
            return _result(
                Status.manual,
                "尚無登入紀錄；請確認登入服務已上線並送出稽核事件",
                "No login records yet; confirm the login service is live and emitting audit events",
            )
        return CheckResult.failed(
            f"近 30 日無任何登入紀錄（歷來 {total} 筆）：登入紀錄可能已中斷",
            f"No login attempt recorded in the last 30 days ({total} before): recording may "
            "have stopped",
            attempts_total=total,
            attempts_30d=0,
        )
    return CheckResult.passed(
        f"近 30 日記錄 {failures} 次登入失敗，其中 {unknown} 次為非客戶帳號",
        f"Last 30 days: {failures} failed logins recorded, {unknown} on non-customer accounts",
        attempts_30d=recent,
        failures_30d=failures,
        unknown_accounts_30d=unknown,
    )


@check(
    "A9.4",
    id="auth.tls_endpoint",
    title_zh="登入服務以 TLS 1.2 以上加密傳輸",
    title_en="The login service is served over TLS 1.2 or later",
)
def tls_endpoint(ctx: CheckContext) -> CheckResult:
    auth = ctx.settings.auth
    if not auth.tls_check_host:
        if ctx.settings.env is Environment.production:
            return CheckResult.failed(
                "正式環境未設定 TLS 檢查端點（BROKERGUARD_AUTH_TLS_CHECK_HOST）",
                "Production has no TLS check endpoint (BROKERGUARD_AUTH_TLS_CHECK_HOST)",
            )
        return CheckResult.manual("未設定 TLS 檢查端點", "No TLS check endpoint configured")
    report = probe_tls(
        auth.tls_check_host,
        auth.tls_check_port,
        now=ctx.clock.now(),
        ca_file=auth.tls_check_ca_file,
    )
    details: Details = {
        "host": report.host,
        "port": report.port,
        "protocol": report.protocol,
        "cipher": report.cipher,
        "days_left": report.days_left,
        "not_after": report.not_after.isoformat() if report.not_after else None,
    }
    if not report.ok:
        return _result(
            Status.failed,
            f"TLS 檢查未通過：{report.error}",
            f"TLS check failed: {report.error}",
            details,
        )
    if report.days_left is not None and report.days_left < 30:
        return _result(
            Status.failed,
            f"伺服器憑證將於 {report.days_left} 日內到期",
            f"Server certificate expires in {report.days_left} days",
            details,
        )
    return _result(
        Status.passed,
        f"{report.protocol}，{report.cipher}，憑證尚有 {report.days_left} 日",
        f"{report.protocol}, {report.cipher}, certificate valid {report.days_left} more days",
        details,
    )


@check(
    "A9.5",
    id="auth.stored_credentials",
    title_zh="驗證資料以雜湊或加密方式儲存",
    title_en="Verification data is stored hashed or encrypted",
)
def stored_credentials(ctx: CheckContext) -> CheckResult:
    hashes = list(ctx.session.scalars(select(EtradeCustomer.password_hash)))
    if not hashes:
        return CheckResult.manual(
            "本系統尚無電子交易客戶；若由其他系統保存驗證資料，請上傳其雜湊或加密方式之佐證",
            "No e-trading customers in brokerguard yet; if another system stores the "
            "verification data, upload evidence that it is hashed or encrypted",
        )
    not_argon = sum(1 for h in hashes if not is_argon2id(h))
    weak = sum(1 for h in hashes if is_argon2id(h) and not meets_owasp_floor(h))
    seeds = list(
        ctx.session.scalars(
            select(EnrolledFactor.secret_ciphertext).where(
                EnrolledFactor.type == "totp", EnrolledFactor.status != "revoked"
            )
        )
    )
    unencrypted = 0
    for seed in seeds:
        try:
            SecretBox.version_of(seed or "")
        except ConfigurationError:  # no key version: plaintext
            unencrypted += 1
    details: Details = {
        "password_hashes": len(hashes),
        "not_argon2id": not_argon,
        "argon2id_below_owasp": weak,
        "totp_seeds": len(seeds),
        "unencrypted_seeds": unencrypted,
    }
    if not_argon or weak or unencrypted:
        return _result(
            Status.failed,
            f"{not_argon} 筆密碼非 argon2id 雜湊，{weak} 筆 argon2id 雜湊強度低於 OWASP 最低參數"
            f"（m=19456 KiB, t=2）或其同等組合，{unencrypted} 筆 OTP 種子未加密",
            f"{not_argon} passwords not argon2id, {weak} argon2id hashes below OWASP's minimum "
            f"cost (m=19456 KiB, t=2 or equivalent), {unencrypted} OTP seeds not encrypted",
            details,
        )
    return _result(
        Status.passed,
        f"{len(hashes)} 筆密碼皆為 argon2id（不低於 OWASP 最低參數）；"
        f"{len(seeds)} 筆 OTP 種子皆以 AES-GCM 加密",
        f"All {len(hashes)} passwords argon2id at OWASP's minimum cost or above; "
        f"all {len(seeds)} OTP seeds AES-GCM encrypted",
        details,
    )


@check(
    "A9.6",
    id="auth.server_side_verification",
    title_zh="身分驗證於伺服器端執行",
    title_en="Identity is verified on the server side",
)
def server_side_verification(ctx: CheckContext) -> CheckResult:
    """Every session of the last 90 days rests on server verdicts recorded for its login."""
    since = ctx.clock.now() - timedelta(days=90)
    sessions = list(
        ctx.session.execute(
            select(EtradeSession.login_token_id, EtradeSession.factors_used).where(
                EtradeSession.created_at >= since
            )
        )
    )
    enrolled = set(ctx.session.scalars(select(EnrolledFactor.type).distinct()))
    unverifiable = sorted(enrolled - set(FACTORS))
    if unverifiable:
        return CheckResult.failed(
            f"下列因子類型無伺服器端驗證：{', '.join(unverifiable)}",
            f"No server-side verifier for: {', '.join(unverifiable)}",
        )
    if not sessions:
        return CheckResult.manual(
            "近 90 日本系統未核發登入連線；請上傳系統架構文件佐證伺服器端驗證",
            "No sessions issued by brokerguard in 90 days; upload the architecture document "
            "as evidence of server-side verification",
        )
    verdicts: dict[str, set[str]] = {}
    for token_id, factor in ctx.session.execute(
        select(LoginAttempt.login_token_id, LoginAttempt.factor).where(
            LoginAttempt.outcome == "success", LoginAttempt.created_at >= since
        )
    ):
        verdicts.setdefault(token_id, set()).add(factor)
    unbacked = sum(
        1
        for token_id, used in sessions
        if not set(used.split(",")) <= verdicts.get(token_id, set())
    )
    details: Details = {"sessions_90d": len(sessions), "without_server_verdicts": unbacked}
    if unbacked:
        return _result(
            Status.failed,
            f"{unbacked} 個連線缺少伺服器端逐一因子之驗證紀錄",
            f"{unbacked} sessions lack a recorded server verdict for every factor they used",
            details,
        )
    return _result(
        Status.passed,
        f"近 90 日 {len(sessions)} 個連線之每一因子皆有伺服器端驗證紀錄；不接受用戶端判定",
        f"All {len(sessions)} sessions of the last 90 days rest on a recorded server verdict "
        "for every factor; client verdicts are never accepted",
        details,
    )


@check(
    "A9.7",
    id="auth.lockout_threshold",
    title_zh="強式密碼設定並於密碼錯誤 5 次時鎖定",
    title_en="Strong passwords enforced; lock after 5 wrong passwords",
)
def lockout_threshold(ctx: CheckContext) -> CheckResult:
    auth = ctx.settings.auth
    details: dict[str, str | int | float | bool | None] = {
        "lock_threshold": auth.lock_threshold,
        "password_min_length": auth.password_min_length,
        "enforced": "settings validation refuses lock_threshold > 5 and password_min_length < 6",
    }
    if (
        auth.lock_threshold > LOCK_THRESHOLD_CEILING
        or auth.password_min_length < MIN_PASSWORD_LENGTH_FLOOR
    ):
        return _result(
            Status.failed, "密碼政策低於規範下限", "Password policy below the rule's floor", details
        )
    return _result(
        Status.passed,
        f"錯誤 {auth.lock_threshold} 次鎖定；密碼至少 {auth.password_min_length} 字元，"
        "須含英文及數字或符號（設定值不得低於規範下限，由系統強制）",
        f"Locks after {auth.lock_threshold} wrong passwords; at least {auth.password_min_length} "
        "characters with letters plus digits or symbols (enforced: settings below the rule's "
        "floor are refused)",
        details,
    )


@check(
    "A9.8",
    id="auth.password_change",
    title_zh="客戶可定期變更密碼",
    title_en="Customers can change their password periodically",
)
def password_change(ctx: CheckContext) -> CheckResult:
    auth = ctx.settings.auth
    details: dict[str, str | int | float | bool | None] = {
        "max_age_days": auth.password_max_age_days
    }
    if auth.password_max_age_days <= 0:
        return _result(
            Status.manual,
            "客戶可隨時變更密碼；未設定密碼最長使用期限，請確認已定期提醒客戶",
            "Customers can change any time; no maximum age set: confirm customers are reminded",
            details,
        )
    cutoff = ctx.clock.now() - timedelta(days=auth.password_max_age_days)
    overdue = ctx.session.scalar(
        select(func.count())
        .select_from(EtradeCustomer)
        .where(EtradeCustomer.status == "active", EtradeCustomer.password_changed_at < cutoff)
    )
    details["overdue"] = overdue
    details["enforced"] = auth.enforce_password_change
    if not auth.enforce_password_change:
        if overdue:
            return _result(
                Status.failed,
                f"{overdue} 位客戶密碼逾 {auth.password_max_age_days} 日未變更，"
                "且設定僅提示、不強制變更",
                f"{overdue} customers are past the {auth.password_max_age_days}-day maximum age "
                "and the change is only flagged, not enforced",
                details,
            )
        return _result(
            Status.passed,
            f"密碼最長 {auth.password_max_age_days} 日（逾期僅提示，不強制）；目前無逾期客戶",
            f"Maximum age {auth.password_max_age_days} days (flagged, not enforced); no customer "
            "is overdue",
            details,
        )
    return _result(
        Status.passed,
        f"密碼最長 {auth.password_max_age_days} 日，逾期者登入時強制變更（目前 {overdue} 位）",
        f"Maximum age {auth.password_max_age_days} days; {overdue} overdue customers are forced to "
        "change at their next login",
        details,
    )
