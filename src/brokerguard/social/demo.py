"""Demo firm social media: platform ratings, 臉書粉絲專頁, LINE 官方帳號, YouTube, Instagram,
their administrators, posts through the workflow and a few months of monitoring."""

from __future__ import annotations

from datetime import timedelta

from brokerguard.clock import FixedClock, today
from brokerguard.demodata import DemoContext
from brokerguard.registerkit.spec import create_item
from brokerguard.social import service
from brokerguard.social.registers import ACCOUNTS, ADMINS, MONITORING, PLATFORMS

PLATFORM_ROWS = [
    (
        "Facebook",
        "社群網站",
        True,
        "high",
        "high",
        "medium",
        "假冒粉絲專頁=high",
        "僅官方帳號管理者得於公務設備登入；禁止張貼客戶資料；假冒粉專每週搜尋檢舉",
    ),
    (
        "LINE",
        "即時通訊",
        True,
        "high",
        "high",
        "medium",
        "",
        "禁止以個人 LINE 傳送客戶資料及下單；官方帳號訊息經覆核後發送",
    ),
    (
        "YouTube",
        "影音平台",
        True,
        "low",
        "medium",
        "low",
        "深偽冒名影片=high",
        "監看冒用本公司名義之投資影片並通報平台下架",
    ),
    ("Instagram", "社群網站", True, "medium", "high", "medium", "", "僅行銷人員使用公務帳號"),
    ("Threads", "社群網站", True, "medium", "medium", "low", "", ""),
    ("TikTok", "短影音", False, "high", "high", "high", "", "公務設備禁止安裝"),
    (
        "Telegram",
        "即時通訊",
        False,
        "high",
        "high",
        "high",
        "詐騙投資群組=high",
        "公務設備禁止安裝",
    ),
]

ACCOUNT_ROWS = [
    (
        "示範證券 臉書粉絲專頁",
        "Facebook",
        "https://www.facebook.com/demo.securities.tw",
        120,
        "平台蒐集互動及裝置資料並用於廣告；粉專訊息可能含客戶個資，須設定訊息保存期間。",
    ),
    (
        "示範證券 LINE 官方帳號",
        "LINE",
        "https://page.line.me/demosecurities",
        60,
        "好友名單及聊天紀錄由 LY Corporation 保存於境外；禁止於聊天室索取身分證字號。",
    ),
    (
        "示範證券 YouTube 頻道",
        "YouTube",
        "https://www.youtube.com/@demosecurities",
        200,
        "留言區可能出現投資詐騙連結；Google 帳號權限須與公司帳號分離。",
    ),
    (
        "示範證券 Instagram",
        "Instagram",
        "https://www.instagram.com/demo.securities.tw/",
        430,
        "限時動態之觀看紀錄由 Meta 保存；帳號與 Facebook 共用登入。",
    ),
]

ADMIN_ROWS = [
    ("示範證券 臉書粉絲專頁", "謝孟儒", "editor", True),
    ("示範證券 臉書粉絲專頁", "郭子軒", "admin", True),
    ("示範證券 LINE 官方帳號", "謝孟儒", "editor", True),
    ("示範證券 LINE 官方帳號", "郭子軒", "admin", True),
    ("示範證券 YouTube 頻道", "郭子軒", "owner", True),
    ("示範證券 Instagram", "謝孟儒", "admin", True),
    ("示範證券 Instagram", "外包行銷公司 王", "editor", False),
]

POSTS = [
    ("示範證券 臉書粉絲專頁", "提醒您：慎防假冒本公司之投資詐騙群組", 40, True),
    ("示範證券 LINE 官方帳號", "颱風期間營業及交易安排公告", 75, True),
    ("示範證券 YouTube 頻道", "電子下單雙因子驗證設定教學", 20, True),
    ("示範證券 Instagram", "年終理財講座報名", 2, False),
]


def load_demo(ctx: DemoContext) -> None:
    editor = "謝孟儒"
    approver = ctx.staff["compliance"].username if "compliance" in ctx.staff else "周文華"
    actor = ctx.staff["security"].username if "security" in ctx.staff else "demo"
    day = today(ctx.clock)
    for name, category, allowed, leak, social, malware, other, controls in PLATFORM_ROWS:
        create_item(
            ctx.session,
            ctx.clock,
            PLATFORMS,
            {
                "name": name,
                "category": category,
                "staff_use_allowed": allowed,
                "risk_data_leakage": leak,
                "risk_social_engineering": social,
                "risk_malware": malware,
                "other_risks": other,
                "controls": controls,
                "assessed_on": day - timedelta(days=95),
                "assessed_by": "資安專責單位 張雅婷",
            },
            actor,
        )
    for name, platform, url, reviewed_ago, risks in ACCOUNT_ROWS:
        create_item(
            ctx.session,
            ctx.clock,
            ACCOUNTS,
            {
                "name": name,
                "platform": platform,
                "url": url,
                "owning_unit": "數位金融部",
                "privacy_reviewed_on": day - timedelta(days=reviewed_ago),
                "privacy_reviewed_by": "法令遵循部 周文華",
                "privacy_risks": risks,
            },
            actor,
        )
    for account, admin, permission, mfa in ADMIN_ROWS:
        create_item(
            ctx.session,
            ctx.clock,
            ADMINS,
            {
                "account": account,
                "admin": admin,
                "permission": permission,
                "mfa_enabled": mfa,
                "granted_on": day - timedelta(days=300),
            },
            actor,
        )
    service.set_profile(
        ctx.session,
        ctx.clock,
        {
            "firm_name": ctx.settings.firm_name_zh,
            "address": "100 臺北市中正區博愛路 17 號 8 樓",
            "phone": "(02) 2311-0000",
            "licence_number": "(88)金管證總字第 0999 號",
            "complaint_contact": "0800-000-123",
            "complaint_handler": "客戶服務部",
        },
        actor,
    )
    for account, title, ago, publish in POSTS:
        when = FixedClock(ctx.clock.now() - timedelta(days=ago))
        post = service.draft_post(
            ctx.session, when, account=account, title=title, body=title + "。", actor=editor
        )
        if publish:
            when.advance(timedelta(hours=3))
            service.approve_post(ctx.session, when, post.id, approver=approver, note="內容無誤")
            when.advance(timedelta(hours=1))
            service.publish_post(ctx.session, when, post.id, publisher=editor)
    kinds = [
        ("routine", "例行監看，無異常留言", "", "closed"),
        ("discussion", "網友詢問電子下單登入失敗", "已私訊引導聯繫客服", "closed"),
        ("incident", "發現假冒本公司之粉絲專頁", "已向平台檢舉並於官方帳號公告", "closed"),
    ]
    for account, *_ in ACCOUNT_ROWS[:3]:
        for weeks in range(0, 24, 2):
            kind, summary, action, status = kinds[0] if weeks % 6 else ctx.rng.choice(kinds)
            observed = day - timedelta(days=weeks * 7 + ctx.rng.randint(0, 3))
            create_item(
                ctx.session,
                ctx.clock,
                MONITORING,
                {
                    "account": account,
                    "observed_on": observed,
                    "kind": kind,
                    "summary": summary,
                    "action": action,
                    "status": status,
                    "handler": editor,
                    "closed_on": observed,
                },
                actor,
            )
    create_item(
        ctx.session,
        ctx.clock,
        MONITORING,
        {
            "account": "示範證券 LINE 官方帳號",
            "observed_on": day - timedelta(days=21),
            "kind": "complaint",
            "summary": "客戶反映 APP 推播通知延遲，要求說明",
            "action": "已轉資訊部查明",
            "status": "in_progress",
            "handler": "客戶服務部 楊惠雯",
        },
        actor,
    )
    ctx.notes.append(
        "social: run `brokerguard social check-disclosures` to fetch the official accounts' "
        "pages (A5.3.2, A5.4.2); until then those checks show no recent check."
    )
