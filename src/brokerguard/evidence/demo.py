"""Demo firm: evidence files (設定匯出、紀錄抽樣、檢測報告...) for the rulebook's requirements.

Which requirements get evidence, and which of it has expired, is drawn from
``ctx.rng`` over the rulebook, so two demo runs give the same firm.
"""

from __future__ import annotations

import io
from datetime import date, timedelta

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from brokerguard.demodata import DemoContext
from brokerguard.evidence.service import store_evidence, today
from brokerguard.rulebook import load_rulebook
from brokerguard.rulebook.model import Requirement

ORDER = 20

#: evidence kind -> (title, file extension)
KIND_TITLES: dict[str, tuple[str, str]] = {
    "system_configuration": ("系統設定匯出", ".txt"),
    "login_records": ("登入紀錄抽樣", ".csv"),
    "enrolment_records": ("裝置綁定紀錄", ".csv"),
    "effectiveness_assessment": ("驗證機制有效性評估報告", ".pdf"),
    "procedure": ("作業程序", ".md"),
    "lifecycle_records": ("帳號生命週期紀錄", ".csv"),
    "monitoring_report": ("監控月報", ".pdf"),
    "alert_records": ("告警處理紀錄", ".csv"),
    "architecture_document": ("系統架構文件", ".md"),
    "tls_scan": ("TLS 掃描結果", ".json"),
    "audit_trail": ("稽核軌跡抽樣", ".csv"),
    "tree_heads": ("稽核軌跡簽章樹根", ".json"),
    "retention_configuration": ("保存期限設定", ".txt"),
    "lab_report": ("第三方檢測報告", ".pdf"),
    "training_records": ("教育訓練簽到表", ".csv"),
    "inventory": ("設備清冊", ".csv"),
    "risk_assessment": ("風險評估報告", ".pdf"),
    "approval_record": ("覆核紀錄", ".pdf"),
}
UNITS = ("資訊安全處", "資訊處", "數位金融部", "法令遵循處", "稽核室")
OWNERS = ("王大明", "林美玲", "陳志強", "張雅婷", "黃建宏", "李怡君")


def _pdf(title: str, lines: list[str]) -> bytes:
    from brokerguard.reports.pdf import FONT, cjk_font

    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    canvas.setFont(cjk_font(), 16)
    canvas.drawString(60, 780, title)
    canvas.setFont(FONT, 10)
    for index, line in enumerate(lines):
        canvas.drawString(60, 750 - 16 * index, line)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _content(kind: str, title: str, requirement: Requirement, day: date, extension: str) -> bytes:
    lines = [
        f"示範證券股份有限公司　{title}",
        f"規範條次：{requirement.id}　{requirement.title_zh}",
        f"資料日期：{day.isoformat()}",
        "本文件為 brokerguard 示範資料。",
    ]
    if extension == ".pdf":
        return _pdf(title, lines)
    if extension == ".csv":
        rows = ["時間,帳號,事件,結果"] + [
            f"{day.isoformat()}T0{h}:1{h}:00+08:00,A12345{h}***,{kind},success" for h in range(1, 6)
        ]
        return ("\n".join(rows) + "\n").encode("utf-8")
    if extension == ".json":
        return (
            '{"requirement": "' + requirement.id + '", "date": "' + day.isoformat() + '", '
            '"result": "ok", "note": "demo"}\n'
        ).encode()
    if extension == ".md":
        return ("# " + title + "\n\n" + "\n".join(f"- {line}" for line in lines) + "\n").encode()
    return ("\n".join(lines) + "\n").encode("utf-8")


def load_demo(ctx: DemoContext) -> None:
    day = today(ctx.clock)
    uploader = ctx.staff["security"].username if "security" in ctx.staff else "demo"
    stored = expired = 0
    for requirement in load_rulebook().obligations():
        if not requirement.evidence_kinds or ctx.rng.random() > 0.7:
            continue
        kind = ctx.rng.choice(requirement.evidence_kinds)
        name, extension = KIND_TITLES.get(kind, ("佐證資料", ".pdf"))
        title = f"{requirement.title_zh or requirement.id} {name}"
        roll = ctx.rng.random()
        if roll < 0.15:  # expired: renewal forgotten
            valid_from = day - timedelta(days=ctx.rng.randint(400, 500))
            valid_until: date | None = day - timedelta(days=ctx.rng.randint(5, 40))
            expired += 1
        elif roll < 0.3:  # about to expire: on the dashboard's 30-day list
            valid_from = day - timedelta(days=ctx.rng.randint(300, 360))
            valid_until = day + timedelta(days=ctx.rng.randint(3, 28))
        else:
            valid_from = day - timedelta(days=ctx.rng.randint(20, 200))
            valid_until = valid_from + timedelta(days=365)
        store_evidence(
            ctx.session,
            ctx.clock,
            ctx.settings,
            content=_content(kind, title, requirement, valid_from, extension),
            filename=f"{requirement.id}-{kind}{extension}",
            title=title,
            requirement_ids=[requirement.id],
            kind=kind,
            uploaded_by=uploader,
            owner=ctx.rng.choice(OWNERS),
            unit=ctx.rng.choice(UNITS),
            valid_from=valid_from,
            valid_until=valid_until,
        )
        stored += 1
    ctx.notes.append(f"evidence: {stored} items stored, {expired} of them expired")
