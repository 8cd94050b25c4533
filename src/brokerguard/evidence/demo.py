"""Demo firm: evidence files (設定匯出、紀錄抽樣、檢測報告...) for the rulebook's requirements.

Which requirements get evidence, and which of it has expired, is drawn from
``ctx.rng`` over the rulebook, so two demo runs give the same firm.
"""

from __future__ import annotations

import io
import json
from datetime import date, timedelta

from openpyxl import Workbook
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from brokerguard.clock import today
from brokerguard.demodata import DemoContext
from brokerguard.evidence.service import store_evidence
from brokerguard.rulebook import load_rulebook
from brokerguard.rulebook.model import Requirement

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
    "policy_document": ("規範文件（核定版）", ".pdf"),
    "test_report": ("測試報告", ".pdf"),
    "review_record": ("檢視紀錄", ".pdf"),
    "device_inventory": ("設備清冊", ".csv"),
    "compliance_mapping": ("法規對照表", ".csv"),
    "takedown_records": ("下架處理紀錄", ".csv"),
    "screenshot": ("畫面截圖", ".png"),
    "remediation_confirmation": ("改善完成確認", ".pdf"),
    "access_review": ("權限覆核紀錄", ".csv"),
    "website_snapshot": ("官網頁面存證", ".html"),
    "vendor_assessment": ("供應商評鑑紀錄", ".pdf"),
    "training_material": ("教育訓練教材", ".pdf"),
    "store_listing": ("應用程式商店上架資訊", ".json"),
    "procurement_records": ("採購紀錄", ".csv"),
    "permission_review": ("權限檢視紀錄", ".csv"),
    "permission_declaration": ("權限用途說明", ".md"),
    "patch_records": ("修補紀錄", ".csv"),
    "network_configuration": ("網路設定匯出", ".txt"),
    "lab_accreditation": ("檢測實驗室 TAF 認證", ".pdf"),
    "inspection_report": ("查核報告", ".pdf"),
    "incident_records": ("事件處理紀錄", ".csv"),
    "group_policy_comparison": ("集團規範比較表", ".xlsx"),
    "exception_register": ("例外控管清冊", ".csv"),
    "customer_notice": ("客戶告知文件", ".pdf"),
    "cloud_service_register": ("雲端服務清冊", ".csv"),
    "byod_register": ("BYOD 登記清冊", ".csv"),
    "ai_system_register": ("AI 系統清冊", ".csv"),
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
        record = {"requirement": requirement.id, "date": day.isoformat(), "result": "ok"}
        return (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
    if extension == ".png":
        image = Image.new("RGB", (320, 200), (11, 61, 98))
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        return buffer.getvalue()
    if extension == ".xlsx":
        book = Workbook()
        sheet = book.active
        if sheet is not None:
            for line in lines:
                sheet.append([line])
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()
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
