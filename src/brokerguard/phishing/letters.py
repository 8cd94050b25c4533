# ruff: noqa: E501  (zh-TW letter text reads better unwrapped)
"""zh-TW takedown letters generated from a case and its evidence.

Recipients: the domain registrar, the hosting provider, TWNIC (for ``.tw``
names), the app store (counterfeit apps) and the 165 anti-fraud hotline
(內政部警政署 165 反詐騙諮詢專線), which every case is reported to.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from jinja2 import Environment, StrictUndefined

from brokerguard.clock import roc_date, to_taipei
from brokerguard.phishing.models import PhishingCase

RECIPIENTS: dict[str, tuple[str, str]] = {
    "registrar": ("網域註冊商", "Domain registrar"),
    "hosting": ("主機服務業者", "Hosting provider"),
    "twnic": ("財團法人台灣網路資訊中心（TWNIC）", "TWNIC"),
    "app_store": ("應用程式商店", "App store"),
    "hotline_165": ("內政部警政署 165 反詐騙諮詢專線", "165 anti-fraud hotline"),
}

_ENV = Environment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)  # noqa: S701 - plain text letters

_LETTER = _ENV.from_string(
    """受文者：{{ recipient }}{% if provider %}（{{ provider }}）{% endif %}
發文日期：中華民國 {{ date }}
發文字號：{{ number }}
主旨：{{ subject }}

說明：
一、本公司（{{ firm }}）為依法設立之證券商，依「新興科技資通安全自律規範」辦理仿冒網站及假冒 App 之偵測與處理。
二、經本公司資安專責單位偵測，下列{{ what }}仿冒本公司「{{ brand }}」，誘騙投資人輸入帳號、密碼或下載假冒程式：
    {{ target_label }}：{{ target }}
{%- for reason in reasons %}
    判定理由{{ loop.index }}：{{ reason }}
{%- endfor %}
三、本公司之官方{{ official_label }}：{{ official }}。上述{{ what }}非本公司所有，亦未經本公司授權。
四、相關證據（含網頁內容、擷取時間及 SHA-256 雜湊值）已保存，證據編號如下：
{%- for ref in evidence %}
    {{ ref }}
{%- else %}
    （偵測紀錄，案件編號 {{ number }}）
{%- endfor %}
{{ request }}

聯絡窗口：{{ contact_unit }}　電話：{{ contact_phone }}　電子郵件：{{ contact_email }}

{{ firm }}　敬啟
"""
)

_REQUESTS = {
    "registrar": "五、請 貴公司依 ICANN 註冊商認證協議及濫用處理程序，儘速暫停（suspend）上述網域名稱，並保留註冊人資料以供司法機關調閱。",
    "hosting": "五、請 貴公司依服務條款儘速移除上述網站內容或停止其主機服務，並保留存取紀錄以供司法機關調閱。",
    "twnic": "五、上述網域屬 .tw 網域，請 貴中心依「網域名稱註冊管理業務規範」及爭議處理機制，協調受理註冊機構儘速停止其解析。",
    "app_store": "五、請 貴商店依開發者政策儘速下架上述假冒應用程式，並停止其更新與散布。",
    "hotline_165": "五、謹通報上述詐騙管道，敬請列入 165 反詐騙資料庫並協調相關業者處理，以防投資人受騙。",
}


@dataclass(frozen=True)
class Letter:
    recipient: str  # key of RECIPIENTS
    title: str
    text: str

    @property
    def filename(self) -> str:
        return f"{self.recipient}.txt"


def recipients_for(case: PhishingCase) -> list[str]:
    if case.kind == "app":
        return ["app_store", "hotline_165"]
    keys = ["registrar", "hosting"]
    if case.target.endswith(".tw") or ".tw/" in case.target or case.target.endswith(".xn--kpry57d"):
        keys.append("twnic")
    keys.append("hotline_165")
    return keys


def render_letter(
    case: PhishingCase,
    recipient: str,
    *,
    firm: str,
    brand_name: str,
    official: list[str],
    contact_unit: str,
    contact_phone: str,
    contact_email: str,
) -> Letter:
    name_zh = RECIPIENTS[recipient][0]
    provider = case.registrar if recipient == "registrar" else ""
    provider = case.hosting if recipient == "hosting" else provider
    reasons = [r.get("zh", "") for r in json.loads(case.reasons or "[]") if isinstance(r, dict)]
    evidence = [e for e in json.loads(case.evidence or "[]") if isinstance(e, str)]
    is_app = case.kind == "app"
    what = "應用程式" if is_app else "網站"
    subject = f"請協助{'下架' if is_app else '停止'}仿冒本公司之{what}「{case.target}」，請查照。"
    text = _LETTER.render(
        recipient=name_zh,
        provider=provider,
        date=roc_date(to_taipei(case.updated_at).date()),
        number=case.number,
        subject=subject,
        firm=firm,
        what=what,
        brand=brand_name,
        target_label="應用程式套件名稱" if is_app else "網域／網址",
        target=case.target,
        reasons=reasons or ["經本公司人工覆核確認為仿冒"],
        official_label="應用程式" if is_app else "網域",
        official="、".join(official) or "（詳本公司網站）",
        evidence=evidence,
        request=_REQUESTS[recipient],
        contact_unit=contact_unit,
        contact_phone=contact_phone,
        contact_email=contact_email,
    )
    return Letter(recipient, f"{name_zh}：{subject}", text)
