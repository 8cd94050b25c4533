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


@check(
    "A10.1",
    id="deepfake.video_sessions_analysed",
    title_zh="核准之視訊身分核驗均經錄影自動分析",
    title_en="Approved video identity checks all had their recording analysed automatically",
)
def video_sessions_analysed(ctx: CheckContext) -> CheckResult:
    """Counts sessions approved without an automatic analysis of their recording.

    An override by a second reviewer lets a session be approved, but it is not an
    analysis: such sessions are counted here too.
    """
    since = ctx.clock.now() - timedelta(days=WINDOW_DAYS)
    approved = list(
        ctx.session.scalars(
            select(VideoSession).where(
                VideoSession.started_at >= since, VideoSession.status == APPROVED
            )
        )
    )
    if not approved:
        return CheckResult.manual(
            "近一年無核准之視訊身分核驗；若未提供視訊核驗請人工確認",
            "No approved video identity sessions in the last year; confirm by hand if the "
            "firm offers none",
        )
    unanalysed = [r for r in approved if r.analysis_id is None]
    if unanalysed:
        return CheckResult.failed(
            f"{len(unanalysed)} 筆已核准之視訊核驗未經錄影自動分析",
            f"{len(unanalysed)} approved sessions were approved without an automatic "
            "analysis of their recording",
            evidence=[f"record:deepfake_sessions:{r.id}" for r in unanalysed[:20]],
            sessions=len(approved),
            unanalysed=len(unanalysed),
        )
    overridden = sum(1 for r in approved if r.analysis_verdict != "pass")
    return CheckResult.passed(
        f"近一年 {len(approved)} 筆核准之視訊核驗均經自動分析"
        f"（其中 {overridden} 筆經第二覆核人書面覆核）",
        f"all {len(approved)} approved sessions in the last year had an automatic analysis "
        f"({overridden} approved on a second reviewer's documented override)",
        evidence=[f"record:deepfake_analyses:{r.analysis_id}" for r in approved[:20]],
        sessions=len(approved),
        overridden=overridden,
    )
