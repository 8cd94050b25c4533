"""The social-media registers: platforms (A5.2), official accounts (A5.3.1), account
administrators with MFA (A5.3.3) and the monitoring log (A5.4.1)."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from brokerguard.clock import Clock, today
from brokerguard.errors import ValidationError
from brokerguard.registerkit.rows import column_row, find_by, row_or_new, stamp
from brokerguard.registerkit.spec import ColumnMode, RegisterSpec, cached_lookup
from brokerguard.social.models import AccountAdmin, MonitoringEntry, OfficialAccount, SocialPlatform
from brokerguard.social.schemas import AccountRow, AdminRow, MonitoringRow, PlatformRow
from brokerguard.tabular import Column, choice, parse_bool, parse_date, parse_optional_date, text

LEVELS = ("low", "medium", "high")
LEVEL_ALIASES = {"低": "low", "中": "medium", "高": "high"}
RISK_TYPES = ("data_leakage", "social_engineering", "malware")
MONITORING_KINDS = ("routine", "discussion", "incident", "complaint")
MONITORING_STATUSES = ("open", "in_progress", "closed")
PERMISSIONS = ("owner", "admin", "editor", "analyst")
YES_NO = ("yes", "no")

level = choice(*LEVELS, aliases=LEVEL_ALIASES)


def parse_other_risks(value: str) -> dict[str, str]:
    """``"釣魚連結=high; 假冒帳號=medium"`` -> ``{"釣魚連結": "high", "假冒帳號": "medium"}``."""
    risks: dict[str, str] = {}
    for item in value.replace("；", ";").split(";"):
        if not item.strip():
            continue
        name, sep, rating = item.partition("=")
        name = name.strip()
        if not sep or not name or len(name) > 64:
            raise ValueError(f"firm-defined risks are name=level pairs, got {item.strip()[:40]!r}")
        if name in risks:
            raise ValueError(f"risk {name!r} is listed twice")
        risks[name] = level(rating)
    return risks


def _other_risks(value: str) -> str:
    raw: str = text(2000)(value)
    risks = parse_other_risks(raw)
    return "; ".join(f"{k}={v}" for k, v in risks.items())


def _url(value: str) -> str:
    cleaned: str = text(500)(value)
    parts = urlsplit(cleaned)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http(s) address")
    return cleaned


def platform_levels(row: SocialPlatform) -> dict[str, str]:
    levels = {
        "data_leakage": row.risk_data_leakage,
        "social_engineering": row.risk_social_engineering,
        "malware": row.risk_malware,
    }
    levels.update(parse_other_risks(row.other_risks or ""))
    return levels


def is_high_risk(row: SocialPlatform) -> bool:
    return "high" in platform_levels(row).values()


# --- platforms -----------------------------------------------------------------------

PLATFORM_COLUMNS = (
    Column("name", ("平台名稱", "platform", "name"), parse=text(128)),
    Column("category", ("類型", "category"), parse=text(64)),
    Column(
        "staff_use_allowed",
        ("員工可使用", "staff use allowed"),
        parse=parse_bool,
        required=False,
        default=True,
    ),
    Column("risk_data_leakage", ("資料外洩風險", "data leakage risk"), parse=level),
    Column("risk_social_engineering", ("社交工程風險", "social engineering risk"), parse=level),
    Column("risk_malware", ("惡意程式風險", "malware risk"), parse=level),
    Column(
        "other_risks", ("其他風險", "other risks"), required=False, parse=_other_risks, default=""
    ),
    Column("controls", ("控管措施", "controls"), required=False, parse=text(4000), default=""),
    Column("assessed_on", ("評估日期", "assessed on"), parse=parse_date),
    Column("assessed_by", ("評估人員", "assessed by"), parse=text(128)),
)


_find_platform = find_by(SocialPlatform, "name")


def _save_platform(
    session: Session, clock: Clock, row: SocialPlatform | None, values: dict[str, Any], actor: str
) -> SocialPlatform:
    if values["assessed_on"] > today(clock):
        raise ValidationError("the assessment date is in the future", field="assessed_on")
    row = row_or_new(session, row, SocialPlatform)
    for name in (
        "name",
        "category",
        "risk_data_leakage",
        "risk_social_engineering",
        "risk_malware",
        "assessed_on",
        "assessed_by",
    ):
        setattr(row, name, values[name])
    row.staff_use_allowed = bool(values.get("staff_use_allowed", True))
    row.other_risks = values.get("other_risks") or ""
    row.controls = values.get("controls") or ""
    return stamp(row, clock, actor)


PLATFORMS: RegisterSpec[SocialPlatform] = RegisterSpec(
    key="social-platforms",
    path="platforms",
    title_zh="社群媒體平台風險分級",
    title_en="Social-media platform risk register",
    model=SocialPlatform,
    mode=ColumnMode(
        columns=PLATFORM_COLUMNS,
        unique=("name",),
        save=_save_platform,
        find=_find_platform,
        to_row=column_row(PLATFORM_COLUMNS),
        row_model=PlatformRow,
        order_by=lambda: (SocialPlatform.name,),
        long_text=frozenset({"controls"}),
        options={
            "staff_use_allowed": YES_NO,
            "risk_data_leakage": LEVELS,
            "risk_social_engineering": LEVELS,
            "risk_malware": LEVELS,
        },
    ),
    requirement_ids=("A5.2",),
)

# --- official accounts ---------------------------------------------------------------

ACCOUNT_COLUMNS = (
    Column("name", ("帳號名稱", "account", "name"), parse=text(128)),
    Column("platform", ("平台", "platform"), parse=text(128)),
    Column("url", ("網址", "url"), parse=_url),
    Column("owning_unit", ("管理單位", "owning unit"), parse=text(128)),
    Column("active", ("啟用", "active"), required=False, parse=parse_bool, default=True),
    Column(
        "privacy_reviewed_on",
        ("隱私權政策檢視日", "privacy policy reviewed on"),
        required=False,
        parse=parse_optional_date,
    ),
    Column(
        "privacy_reviewed_by",
        ("隱私權政策檢視人", "privacy policy reviewed by"),
        required=False,
        parse=text(128),
        default="",
    ),
    Column(
        "privacy_risks",
        ("隱私權政策風險說明", "privacy policy risks"),
        required=False,
        parse=text(4000),
        default="",
    ),
)


_find_account = find_by(OfficialAccount, "name")


def _save_account(
    session: Session, clock: Clock, row: OfficialAccount | None, values: dict[str, Any], actor: str
) -> OfficialAccount:
    reviewed: date | None = values.get("privacy_reviewed_on")
    if reviewed is not None and reviewed > today(clock):
        raise ValidationError("the review date is in the future", field="privacy_reviewed_on")
    if reviewed is not None and not (values.get("privacy_risks") or "").strip():
        raise ValidationError(
            "a privacy-policy review must state the risks found", field="privacy_risks"
        )
    row = row_or_new(session, row, OfficialAccount)
    for name in ("name", "platform", "url", "owning_unit"):
        setattr(row, name, values[name])
    row.active = bool(values.get("active", True))
    row.privacy_reviewed_on = reviewed
    row.privacy_reviewed_by = values.get("privacy_reviewed_by") or ""
    row.privacy_risks = values.get("privacy_risks") or ""
    return stamp(row, clock, actor)


ACCOUNTS: RegisterSpec[OfficialAccount] = RegisterSpec(
    key="social-accounts",
    path="accounts",
    title_zh="官方帳號清冊",
    title_en="Official accounts",
    model=OfficialAccount,
    mode=ColumnMode(
        columns=ACCOUNT_COLUMNS,
        unique=("name",),
        save=_save_account,
        find=_find_account,
        to_row=column_row(ACCOUNT_COLUMNS),
        row_model=AccountRow,
        order_by=lambda: (OfficialAccount.platform, OfficialAccount.name),
        long_text=frozenset({"privacy_risks"}),
        options={"active": YES_NO},
    ),
    requirement_ids=("A5.3.1",),
)


def account_by_name(session: Session, name: str) -> OfficialAccount:
    row = cached_lookup(
        session,
        ("social-account", name),
        lambda: session.scalar(select(OfficialAccount).where(OfficialAccount.name == name)),
    )
    if row is None:
        raise ValidationError(f"no official account named {name!r}", field="account")
    return row


def _known_account(session: Session, values: dict[str, Any]) -> OfficialAccount | None:
    """The account a row names, or None when there is none (so the row is new)."""
    try:
        return account_by_name(session, str(values.get("account")))
    except ValidationError:
        return None


def _account_name(session: Session, account_id: str) -> str:
    account = session.get(OfficialAccount, account_id)
    return account.name if account else ""


# --- administrators ------------------------------------------------------------------

ADMIN_COLUMNS = (
    Column("account", ("帳號名稱", "account"), parse=text(128)),
    Column("admin", ("管理者", "administrator", "admin"), parse=text(128)),
    Column("permission", ("權限", "permission"), parse=choice(*PERMISSIONS)),
    Column("mfa_enabled", ("多因子驗證", "MFA enabled", "mfa"), parse=parse_bool),
    Column("granted_on", ("授權日期", "granted on"), required=False, parse=parse_optional_date),
)


def _find_admin(session: Session, values: dict[str, Any]) -> AccountAdmin | None:
    account = _known_account(session, values)
    if account is None:
        return None
    return session.scalar(
        select(AccountAdmin).where(
            AccountAdmin.account_id == account.id, AccountAdmin.admin == values["admin"]
        )
    )


def _save_admin(
    session: Session, clock: Clock, row: AccountAdmin | None, values: dict[str, Any], actor: str
) -> AccountAdmin:
    account = account_by_name(session, values["account"])
    row = row_or_new(session, row, AccountAdmin)
    row.account_id = account.id
    row.admin = values["admin"]
    row.permission = values["permission"]
    row.mfa_enabled = bool(values["mfa_enabled"])
    row.granted_on = values.get("granted_on")
    return stamp(row, clock, actor)


def _admin_row(session: Session, row: AccountAdmin) -> dict[str, Any]:
    return {
        "id": row.id,
        "account": _account_name(session, row.account_id),
        "admin": row.admin,
        "permission": row.permission,
        "mfa_enabled": row.mfa_enabled,
        "granted_on": row.granted_on,
    }


ADMINS: RegisterSpec[AccountAdmin] = RegisterSpec(
    key="social-admins",
    path="admins",
    title_zh="官方帳號管理權限",
    title_en="Official-account administrators",
    model=AccountAdmin,
    mode=ColumnMode(
        columns=ADMIN_COLUMNS,
        unique=("account", "admin"),
        save=_save_admin,
        find=_find_admin,
        to_row=_admin_row,
        row_model=AdminRow,
        order_by=lambda: (AccountAdmin.account_id, AccountAdmin.admin),
        options={"permission": PERMISSIONS, "mfa_enabled": YES_NO},
    ),
    requirement_ids=("A5.3.3",),
)

# --- monitoring log ------------------------------------------------------------------

MONITORING_COLUMNS = (
    Column("account", ("帳號名稱", "account"), parse=text(128)),
    Column("observed_on", ("觀察日期", "observed on", "date"), parse=parse_date),
    Column(
        "kind",
        ("類別", "kind"),
        parse=choice(
            *MONITORING_KINDS,
            aliases={
                "例行": "routine",
                "討論": "discussion",
                "異常事件": "incident",
                "申訴": "complaint",
            },
        ),
    ),
    Column("summary", ("摘要", "summary"), parse=text(4000)),
    Column("action", ("處理情形", "action"), required=False, parse=text(4000), default=""),
    Column(
        "status",
        ("處理狀態", "status"),
        parse=choice(
            *MONITORING_STATUSES,
            aliases={"待處理": "open", "處理中": "in_progress", "已結案": "closed"},
        ),
    ),
    Column("handler", ("處理人員", "handler"), parse=text(128)),
    Column("closed_on", ("結案日期", "closed on"), required=False, parse=parse_optional_date),
)


def _find_monitoring(session: Session, values: dict[str, Any]) -> MonitoringEntry | None:
    account = _known_account(session, values)
    if account is None:
        return None
    return session.scalar(
        select(MonitoringEntry).where(
            MonitoringEntry.account_id == account.id,
            MonitoringEntry.observed_on == values["observed_on"],
            MonitoringEntry.summary == values["summary"],
        )
    )


def _save_monitoring(
    session: Session, clock: Clock, row: MonitoringEntry | None, values: dict[str, Any], actor: str
) -> MonitoringEntry:
    account = account_by_name(session, values["account"])
    observed: date = values["observed_on"]
    closed: date | None = values.get("closed_on")
    if observed > today(clock):
        raise ValidationError("the observation date is in the future", field="observed_on")
    if values["status"] == "closed" and closed is None:
        raise ValidationError("a closed entry needs its closing date", field="closed_on")
    if closed is not None and closed < observed:
        raise ValidationError("closed before it was observed", field="closed_on")
    if (
        values["kind"] in ("incident", "complaint")
        and values["status"] == "closed"
        and not (values.get("action") or "").strip()
    ):
        raise ValidationError("say how the incident or complaint was handled", field="action")
    row = row_or_new(session, row, MonitoringEntry)
    row.account_id = account.id
    row.observed_on = observed
    row.kind = values["kind"]
    row.summary = values["summary"]
    row.action = values.get("action") or ""
    row.status = values["status"]
    row.handler = values["handler"]
    row.closed_on = closed
    return stamp(row, clock, actor)


def _monitoring_row(session: Session, row: MonitoringEntry) -> dict[str, Any]:
    return {
        "id": row.id,
        "account": _account_name(session, row.account_id),
        "observed_on": row.observed_on,
        "kind": row.kind,
        "summary": row.summary,
        "action": row.action,
        "status": row.status,
        "handler": row.handler,
        "closed_on": row.closed_on,
    }


MONITORING: RegisterSpec[MonitoringEntry] = RegisterSpec(
    key="social-monitoring",
    path="monitoring",
    title_zh="官方帳號監看紀錄",
    title_en="Official-account monitoring log",
    model=MonitoringEntry,
    mode=ColumnMode(
        columns=MONITORING_COLUMNS,
        unique=("account", "observed_on", "summary"),
        save=_save_monitoring,
        find=_find_monitoring,
        to_row=_monitoring_row,
        row_model=MonitoringRow,
        order_by=lambda: (MonitoringEntry.observed_on.desc(),),
        long_text=frozenset({"summary", "action"}),
        options={"kind": MONITORING_KINDS, "status": MONITORING_STATUSES},
    ),
    requirement_ids=("A5.4.1",),
)

REGISTERS: tuple[RegisterSpec[Any], ...] = (PLATFORMS, ACCOUNTS, ADMINS, MONITORING)
