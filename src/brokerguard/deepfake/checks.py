"""A10.1: video identity checks follow the strengthened steps."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from brokerguard.assessment.registry import CheckContext, CheckResult, check
from brokerguard.clock import as_utc
from brokerguard.deepfake.models import VideoSession
from brokerguard.deepfake.service import APPROVED, IN_PROGRESS, missing_steps

WINDOW_DAYS = 365


@check(
    "A10.1",
    id="deepfake.video_sessions_strengthened",
    title_zh="視訊身分核驗均完成強化步驟並經他人覆核",
    title_en="Video identity checks completed every strengthened step with independent review",
)
def video_sessions_strengthened(ctx: CheckContext) -> CheckResult:
    now = ctx.clock.now()
    since = now - timedelta(days=WINDOW_DAYS)
    rows = list(ctx.session.scalars(select(VideoSession).where(VideoSession.started_at >= since)))
    if not rows:
        return CheckResult.manual(
            "近一年無視訊身分核驗紀錄；若未提供視訊核驗請人工確認",
            "No video identity sessions in the last year; confirm by hand if the firm offers none",
        )
    bad = [
        r
        for r in rows
        if r.status == APPROVED and (missing_steps(r) or r.reviewer == r.operator or not r.reviewer)
    ]
    stale_after = timedelta(hours=ctx.settings.deepfake.stale_after_hours)
    stale = [
        r for r in rows if r.status == IN_PROGRESS and now - as_utc(r.started_at) > stale_after
    ]
    evidence = [f"record:deepfake_sessions:{r.id}" for r in (bad + stale)[:20]]
    if bad:
        return CheckResult.failed(
            f"{len(bad)} 筆已核准之視訊核驗缺少強化步驟或未經他人覆核",
            f"{len(bad)} approved sessions lack a strengthened step or an independent reviewer",
            evidence=evidence,
            sessions=len(rows),
        )
    if stale:
        return CheckResult.failed(
            f"{len(stale)} 筆視訊核驗逾時未結案",
            f"{len(stale)} sessions are left in progress past {stale_after}",
            evidence=evidence,
            sessions=len(rows),
        )
    approved = sum(1 for r in rows if r.status == APPROVED)
    hashed = [
        r.evidence_ref or f"record:deepfake_sessions:{r.id}" for r in rows if r.status == APPROVED
    ][:20]
    return CheckResult.passed(
        f"近一年 {len(rows)} 筆視訊核驗，{approved} 筆核准者均完成驗證碼、活體挑戰、"
        "證件比對、錄影雜湊與他人覆核",
        f"{len(rows)} sessions in the last year; all {approved} approved ones have the code, "
        "liveness, ID-photo comparison, recording hash and independent review",
        evidence=hashed,
        sessions=len(rows),
    )
