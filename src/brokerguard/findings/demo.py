"""Demo firm: open findings from internal audit and the TWSE inspection, one overdue."""

from __future__ import annotations

from datetime import timedelta

from brokerguard.clock import today
from brokerguard.demodata import DemoContext
from brokerguard.findings.service import close_finding, open_finding
from brokerguard.rulebook import load_rulebook

#: (source, title template, days until due (negative: overdue), severity, owner, close it)
FINDINGS = (
    ("inspection", "證交所查核意見：{title}之覆核紀錄未留存", -21, "high", "資訊安全處", False),
    ("audit", "115 年度內部稽核：{title}未依規定頻率檢視", 30, "medium", "資訊處", False),
    ("review", "自評發現：{title}佐證資料待更新", 60, "low", "數位金融部", False),
    ("audit", "114 年度內部稽核：{title}程序文件版次不一致", -120, "medium", "法令遵循處", True),
)


def load_demo(ctx: DemoContext) -> None:
    day = today(ctx.clock)
    candidates = [r for r in load_rulebook().obligations() if r.parent is not None]
    if not candidates:
        candidates = load_rulebook().obligations()
    if not candidates:
        return
    picks = ctx.rng.sample(candidates, k=min(len(FINDINGS), len(candidates)))
    closer = ctx.staff["compliance"].username if "compliance" in ctx.staff else "demo"
    opened = 0
    for (source, template, due_days, severity, owner, close), requirement in zip(
        FINDINGS, picks, strict=False
    ):
        finding = open_finding(
            ctx.session,
            ctx.clock,
            requirement_id=requirement.id,
            title=template.format(title=requirement.title_zh or requirement.id),
            source=source,
            source_ref=f"DEMO-{source.upper()}-{requirement.id}",
            description=f"規範條次 {requirement.id}：{requirement.text_zh[:80]}",
            owner=owner,
            due_date=day + timedelta(days=due_days),
            severity=severity,
        )
        if close:
            close_finding(
                ctx.session,
                ctx.clock,
                finding.id,
                closed_by=closer,
                note="已修訂程序文件並經覆核",
            )
        else:
            opened += 1
    ctx.notes.append(f"findings: {opened} open (one overdue), 1 closed")
